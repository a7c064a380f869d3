import { ApiError, api, canEdit, type Diagram, type Session } from "../api.ts";

export type Opened = { kind: "ready"; diagram: Diagram; roomId: string } | { kind: "problem"; title: string; body: string };

/**
 * The room to join for a share link. A link's room is used while its session is live; a link without
 * a room, or whose session has ended, joins the diagram's active session — owners and editors start
 * one when there is none.
 */
export async function openRoom(diagramId: string, roomId: string | null): Promise<Opened> {
  // Both questions at once: the link's room is nearly always the live one.
  const linkSession = roomId
    ? api<Session>("GET", `/api/liveshare/sessions/${encodeURIComponent(roomId)}`).then(
        (session) => ({ session }),
        (error: unknown) => ({ error }),
      )
    : undefined;
  let diagram: Diagram;
  try {
    diagram = await api<Diagram>("GET", `/api/diagrams/${encodeURIComponent(diagramId)}`);
  } catch (error) {
    return problem(error);
  }
  if (roomId && linkSession) {
    const answer = await linkSession;
    if ("session" in answer) {
      if (answer.session.active && answer.session.diagram_id === diagram.id) return { kind: "ready", diagram, roomId };
    } else if (!(answer.error instanceof ApiError) || (answer.error.status !== 404 && answer.error.status !== 400)) {
      return problem(answer.error);
    }
  }
  if (canEdit(diagram.role)) {
    try {
      const session = await api<Session>("POST", "/api/liveshare/sessions", { diagram_id: diagram.id });
      return { kind: "ready", diagram, roomId: session.room_id };
    } catch (error) {
      return problem(error);
    }
  }
  if (diagram.active_room_id) return { kind: "ready", diagram, roomId: diagram.active_room_id };
  return {
    kind: "problem",
    title: "Nobody is sharing this diagram right now",
    body: "You can view it once its owner or an editor opens it. Try this link again later.",
  };
}

let early: { diagramId: string; roomId: string | null; opened: Promise<Opened> } | undefined;

/** Starts opening the link's diagram at once (see `joining.ts`); `openRoomOnce` picks the answer up. */
export function startOpening(diagramId: string, roomId: string | null): void {
  early = { diagramId, roomId, opened: openRoom(diagramId, roomId) };
}

/** The answer for this diagram and room: the one started early when it is theirs, otherwise a new one. */
export function openRoomOnce(diagramId: string, roomId: string | null): Promise<Opened> {
  const started = early;
  early = undefined;
  if (started && started.diagramId === diagramId && started.roomId === roomId) return started.opened;
  return openRoom(diagramId, roomId);
}

function problem(error: unknown): Opened {
  if (error instanceof ApiError) {
    if (error.status === 404) return { kind: "problem", title: "This diagram does not exist", body: "It may have been deleted, or the link is mistyped." };
    if (error.status === 403) return { kind: "problem", title: "You do not have access to this diagram", body: "Ask its owner to share it with you." };
    if (error.status === 401) return { kind: "problem", title: "Your sign-in is no longer valid", body: "Sign in again to open this diagram." };
    return { kind: "problem", title: "The diagram could not be opened", body: error.message };
  }
  return { kind: "problem", title: "The diagram could not be opened", body: error instanceof Error ? error.message : String(error) };
}
