import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { takeTokenFromFragment } from "./auth.ts";
import { HomePage } from "./home/HomePage.tsx";
import { EditorPage } from "./editor/EditorPage.tsx";
import "@xyflow/react/dist/style.css";
import "./styles.css";

// Before anything else reads the address: a token in the fragment is taken and removed.
takeTokenFromFragment();

const editorPath = location.pathname.match(/^\/editor\/([^/]+)\/?$/);
const root = createRoot(document.getElementById("root")!);
root.render(
  <StrictMode>
    {editorPath ? <EditorPage diagramId={decodeURIComponent(editorPath[1]!)} roomId={new URLSearchParams(location.search).get("room")} /> : <HomePage />}
  </StrictMode>,
);
