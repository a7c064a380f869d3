import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { HomePage } from "./home/HomePage.tsx";
import { EditorPage } from "./editor/EditorPage.tsx";
import "@xyflow/react/dist/style.css";
import "./styles.css";

/** The page's React tree: the editor for `/editor/{diagram_id}?room={room_id}`, otherwise the home page. */
export function renderApp(editor: { diagramId: string; roomId: string | null } | undefined): void {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>{editor ? <EditorPage diagramId={editor.diagramId} roomId={editor.roomId} /> : <HomePage />}</StrictMode>,
  );
}
