import { useState } from "react";
import { currentSession, signOut, type SignedIn } from "../auth.ts";
import { SignIn } from "./SignIn.tsx";
import { DiagramList } from "./DiagramList.tsx";

/** `/`: sign in, then my diagrams and those shared with me. */
export function HomePage() {
  const [session, setSession] = useState<SignedIn | undefined>(currentSession);
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <div className="home">
      <header className="topbar">
        <span className="brand">LiveShare</span>
        <span className="spacer" />
        <span>
          Signed in as <strong>{session.name}</strong>
        </span>
        <button
          className="link"
          onClick={() => {
            signOut();
            setSession(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <DiagramList />
    </div>
  );
}
