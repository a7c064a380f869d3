import { currentSession, takeTokenFromFragment } from "./auth.ts";
import { startJoining } from "./editor/joining.ts";
import { startOpening } from "./editor/open-room.ts";

// Before anything else reads the address: a token in the fragment is taken and removed.
takeTokenFromFragment();

const editorPath = location.pathname.match(/^\/editor\/([^/]+)\/?$/);
const editor = editorPath ? { diagramId: decodeURIComponent(editorPath[1]!), roomId: new URLSearchParams(location.search).get("room") } : undefined;
// A share link's room is joined, and the diagram asked for, at once (see joining.ts); the user
// interface loads meanwhile.
const session = currentSession();
if (editor && session) {
  startOpening(editor.diagramId, editor.roomId);
  if (editor.roomId) startJoining(editor.roomId, session);
}
void import("./app.tsx").then(({ renderApp }) => renderApp(editor));
