import { currentSession, takeTokenFromFragment } from "./auth.ts";
import { startJoining } from "./editor/joining.ts";

// Before anything else reads the address: a token in the fragment is taken and removed.
takeTokenFromFragment();

const editorPath = location.pathname.match(/^\/editor\/([^/]+)\/?$/);
const editor = editorPath ? { diagramId: decodeURIComponent(editorPath[1]!), roomId: new URLSearchParams(location.search).get("room") } : undefined;
// A share link's room is joined at once (see joining.ts); the user interface loads meanwhile.
const session = currentSession();
if (editor?.roomId && session) startJoining(editor.roomId, session);
void import("./app.tsx").then(({ renderApp }) => renderApp(editor));
