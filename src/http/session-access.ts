import type { Core } from "../core.ts";
import type { Role } from "../storage/diagrams.ts";
import type { Session } from "../storage/sessions.ts";
import { forbidden, notFound } from "./errors.ts";

/** The session and the caller's role on its diagram: 404 when there is no such session, 403 without access. */
export async function sessionWithRole(core: Core, roomId: string, userId: string): Promise<{ session: Session; role: Role }> {
  const session = await core.sessions.get(roomId);
  if (!session) throw notFound("session");
  const role = await core.diagrams.roleOf(session.diagram_id, userId);
  if (!role) throw forbidden("no access to this diagram");
  return { session, role };
}
