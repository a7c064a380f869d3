import { ApiError, api, canEdit, type Diagram, type Session } from "../api.ts";

export type Opened = { kind: "ready"; diagram: Diagram; roomId: string } | { kind: "problem"; title: string; body: string };

/**
 * The room to join for a share link. A link's room is used while its session is live; a link without
 * a room, or whose session has ended, joins the diagram's active session — owners and editors start
 * one when there is none.
 */
export async function openRoom(diagramId: string, roomId: string | null): Promise<Opened> {
  let diagram: Diagram;
  try {
    diagram = await api<Diagram>("GET", `/api/diagrams/${encodeURIComponent(diagramId)}`);
  } catch (error) {
    return problem(error);
  }
  if (roomId) {
    try {
      const session = await api<Session>("GET", `/api/liveshare/sessions/${encodeURIComponent(roomId)}`);
      if (session.active && session.diagram_id === diagram.id) return { kind: "ready", diagram, roomId };
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 400)) return problem(error);
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

function problem(error: unknown): Opened {
  if (error instanceof ApiError) {
    if (error.status === 404) return { kind: "problem", title: "This diagram does not exist", body: "It may have been deleted, or the link is mistyped." };
    if (error.status === 403) return { kind: "problem", title: "You do not have access to this diagram", body: "Ask its owner to share it with you." };
    if (error.status === 401) return { kind: "problem", title: "Your sign-in is no longer valid", body: "Sign in again to open this diagram." };
    return { kind: "problem", title: "The diagram could not be opened", body: error.message };
  }
  return { kind: "problem", title: "The diagram could not be opened", body: error instanceof Error ? error.message : String(error) };
}
