import { CloseCode, CloseReason } from "../close-codes.ts";
import { roleFrom, type LinkAccess, type Role, type SharePermission } from "../storage/diagrams.ts";
import type { LiveRooms, RoomMember } from "./live-rooms.ts";

/** A change to who may be in a room, applied to the live connections of every instance. */
export type ControlEvent =
  | { type: "session-ended"; roomId: string }
  | { type: "diagram-deleted"; diagramId: string; roomIds: string[] }
  | { type: "access-changed"; diagramId: string; userId: string; role: Role | null }
  /** The diagram's link access changed: every non-owner's role is the higher of `shares[user]` and the link. */
  | { type: "link-changed"; diagramId: string; linkAccess: LinkAccess; shares: Record<string, SharePermission> };

/**
 * Makes permission changes take effect at once for connected users: revoked users are disconnected
 * with a reason, downgraded users become read-only, ended sessions and deleted diagrams empty their
 * rooms. `publish` hands each event to the other instances (Redis) once it is applied here.
 */
export class RoomControl {
  /** Hands an event to the other instances; resolves once they have applied it (or gave up waiting). */
  publish: ((event: ControlEvent) => Promise<void>) | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly rooms: LiveRooms) {}

  /** Applies an event here and hands it on to the other instances (`delivered` waits for them). */
  emit(event: ControlEvent): number {
    const affected = this.apply(event);
    const delivered = this.publish?.(event);
    if (delivered) {
      this.inFlight.add(delivered);
      void delivered.finally(() => this.inFlight.delete(delivered));
    }
    return affected;
  }

  /**
   * Resolves once every event emitted so far has been applied by every instance: the REST API
   * answers a change of access only then, so that when the call returns no connection anywhere
   * still acts with the old role.
   */
  async delivered(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  /** Applies an event to this instance's connections; returns how many were affected. */
  apply(event: ControlEvent): number {
    this.rooms.accessChanged();
    switch (event.type) {
      case "session-ended":
        return this.rooms.disconnect(event.roomId, { code: CloseCode.Gone, reason: CloseReason.SessionEnded });
      case "diagram-deleted": {
        let closed = 0;
        const roomIds = new Set([...event.roomIds, ...this.rooms.roomsOfDiagram(event.diagramId)]);
        for (const roomId of roomIds) closed += this.rooms.disconnect(roomId, { code: CloseCode.Gone, reason: CloseReason.DiagramDeleted });
        return closed;
      }
      case "access-changed": {
        let affected = 0;
        for (const roomId of this.rooms.roomsOfDiagram(event.diagramId)) {
          for (const member of this.rooms.membersOf(roomId)) {
            if (member.context.user.userId !== event.userId || member.context.role === "owner") continue;
            affected += 1;
            this.changeRole(member, event.role);
          }
        }
        return affected;
      }
      case "link-changed": {
        let affected = 0;
        for (const roomId of this.rooms.roomsOfDiagram(event.diagramId)) {
          for (const member of this.rooms.membersOf(roomId)) {
            if (member.context.role === "owner") continue;
            const { userId } = member.context.user;
            const share = Object.hasOwn(event.shares, userId) ? (event.shares[userId] ?? null) : null;
            const role = roleFrom("", share, userId, event.linkAccess) ?? null;
            if (role === member.context.role) continue;
            affected += 1;
            this.changeRole(member, role);
          }
        }
        return affected;
      }
    }
  }

  /** Revoked (null): disconnected with a reason. Otherwise the member takes the role, read-only as a viewer. */
  private changeRole(member: RoomMember, role: Role | null): void {
    if (role === null) {
      member.close({ code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked });
      return;
    }
    member.context.role = role;
    member.readOnly = role === "viewer";
  }
}
