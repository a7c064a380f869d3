import { LiveShareClient } from "liveshare/client";
import { currentSession, type SignedIn } from "../auth.ts";

/**
 * The page's connection to a room. A share link names its room, so the page starts joining it while
 * the rest of the editor (React, the canvas) is still loading: the server reads the diagram in the
 * meantime instead of after it. The editor then takes that client over; should the room turn out to be
 * another one (the link's session ended) or not open at all, the early join is dropped.
 */
let early: { roomId: string; token: string; client: LiveShareClient } | undefined;

function connect(roomId: string, session: SignedIn): LiveShareClient {
  return new LiveShareClient({
    url: `${location.origin}/collab`,
    roomId,
    getToken: async () => currentSession()?.token ?? session.token,
    offline: "indexeddb",
  });
}

/** Starts joining the room of the link being opened. */
export function startJoining(roomId: string, session: SignedIn): void {
  early = { roomId, token: session.token, client: connect(roomId, session) };
}

/** The client for the room: the early one when it is this room's, otherwise a new one. */
export function clientFor(roomId: string, session: SignedIn): LiveShareClient {
  const joined = early;
  early = undefined;
  if (joined && joined.roomId === roomId && joined.token === session.token) return joined.client;
  joined?.client.destroy();
  return connect(roomId, session);
}

/** The editor does not open this room after all: leave it. */
export function dropEarlyJoin(): void {
  early?.client.destroy();
  early = undefined;
}
