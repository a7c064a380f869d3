import { useEffect, useState } from "react";
import { currentSession, signOut, type SignedIn } from "../auth.ts";
import { SignIn } from "../home/SignIn.tsx";
import { openRoomOnce, type Opened } from "./open-room.ts";
import { Editor } from "./Editor.tsx";
import { dropEarlyJoin } from "./joining.ts";

/** `/editor/{diagram_id}?room={room_id}`: sign in if needed, find the live room, then the editor. */
export function EditorPage({ diagramId, roomId }: { diagramId: string; roomId: string | null }) {
  const [session, setSession] = useState<SignedIn | undefined>(currentSession);
  const [opened, setOpened] = useState<Opened>();

  useEffect(() => {
    if (!session) return;
    let cancelled = false;
    void openRoomOnce(diagramId, roomId).then((result) => {
      if (cancelled) return;
      if (result.kind !== "ready") dropEarlyJoin();
      if (result.kind === "ready" && result.roomId !== roomId) {
        // The address names the room actually joined, so copying it shares the live session.
        history.replaceState(history.state, "", `/editor/${encodeURIComponent(diagramId)}?room=${encodeURIComponent(result.roomId)}${location.hash}`);
      }
      setOpened(result);
    });
    return () => {
      cancelled = true;
    };
  }, [session, diagramId, roomId]);

  if (!session) return <SignIn onSignedIn={setSession} reason="Sign in to open this diagram." />;
  if (!opened) return <p className="page-message">Opening the diagram…</p>;
  if (opened.kind === "problem") {
    return (
      <main className="page-message" role="alert">
        <h1>{opened.title}</h1>
        <p>{opened.body}</p>
        <p>
          <a href="/">Back to your diagrams</a>
          {" · "}
          <button
            className="link"
            onClick={() => {
              signOut();
              setSession(undefined);
            }}
          >
            Sign in as someone else
          </button>
        </p>
      </main>
    );
  }
  return <Editor session={session} diagram={opened.diagram} roomId={opened.roomId} />;
}
