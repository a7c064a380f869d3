import { TokenRejected, type Identity, type Tokens } from "../auth/tokens.ts";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { ConnectionContext } from "../collab/connection-context.ts";
import type { Logger } from "../logger.ts";
import type { Role } from "../storage/diagrams.ts";
import type { UserStore } from "../storage/users.ts";
import type { Access } from "./access.ts";
import type { LiveRooms } from "./live-rooms.ts";

export interface AdmissionOptions {
  tokens: Tokens;
  access: Access;
  users: UserStore;
  /** Its access epoch tells whether access changed while a client joined; its members fill a room. */
  rooms: LiveRooms;
  /** MAX_USERS_PER_ROOM: distinct users a room admits; a user's further tabs are always admitted. */
  maxUsersPerRoom: number;
  logger: Logger;
  /** How long a place is held for an admitted user whose connection is being set up. */
  holdMs?: number;
}

/**
 * How a client gets into a room, on either transport (`/collab` through the `authentication`
 * extension, the JSON protocol through its session): its token gives its identity (`identify`),
 * the diagram gives its role, the room's user cap a place (`reserve`), and then it becomes a member
 * of the room (a Hocuspocus document connection, or a JSON member registered with `LiveRooms`).
 *
 * Between the role look-up and the membership the room's document is loaded, and an access change
 * made meanwhile finds no member to act on. Each admitted context therefore carries the access
 * epoch its role was looked up at (`admittedAt`); before the member acts, `confirmed` or `confirm`
 * checks the role again when the epoch moved. Once a member, every later change finds it.
 *
 * Every refusal is a `Refusal` (token problems included, as 4401 with the token's reason).
 */
export class Admission {
  /** Room id → user id → when the place held for that user expires (ms since epoch). */
  private readonly held = new Map<string, Map<string, number>>();
  private readonly holdMs: number;

  constructor(private readonly options: AdmissionOptions) {
    this.holdMs = options.holdMs ?? 30_000;
  }

  /**
   * Token → identity → role: the context of a client admitted to `roomId`, the user recorded, the
   * access epoch noted. Throws a Refusal when the token, the room or the user's access is not good.
   */
  async identify(token: string, roomId: string): Promise<ConnectionContext> {
    const { access, users, rooms } = this.options;
    const user = await this.verify(token);
    const admittedAt = rooms.accessEpoch;
    const room = await access.toRoom(roomId, user.userId);
    await users.record(user);
    return { user, role: room.role, roomId: room.roomId, diagramId: room.diagramId, admittedAt };
  }

  /**
   * Holds a place in the room for the context's user until `release`, or throws a Refusal with
   * reason `room-full`. A held place counts like a member, so that users joining at the same moment
   * cannot together overfill the room; it expires on its own if the client never becomes a member.
   * Counts are per instance.
   */
  reserve(context: ConnectionContext): void {
    const { roomId } = context;
    const { userId } = context.user;
    const now = Date.now();
    const held = this.held.get(roomId) ?? new Map<string, number>();
    for (const [user, expires] of held) if (expires <= now) held.delete(user);
    const users = new Set(this.options.rooms.usersPresent(roomId).map((u) => u.user_id));
    for (const user of held.keys()) users.add(user);
    if (!users.has(userId) && users.size >= this.options.maxUsersPerRoom) {
      this.options.logger.info({ roomId, userId, users: users.size, max: this.options.maxUsersPerRoom }, "room full; connection refused");
      // An empty message: Hocuspocus prints a hook error's message to stderr; the reason goes to the client.
      throw new Refusal(CloseCode.RoomFull, CloseReason.RoomFull, "");
    }
    held.set(userId, now + this.holdMs);
    this.held.set(roomId, held);
  }

  /** The client is a member now (`LiveRooms` counts it), or will never be: its place is no longer held. */
  release(context: ConnectionContext): void {
    const held = this.held.get(context.roomId);
    held?.delete(context.user.userId);
    if (held?.size === 0) this.held.delete(context.roomId);
  }

  /**
   * True when the context's role needs no second look: no access change was applied since it was
   * looked up (it is then confirmed for good), or it was confirmed before.
   */
  confirmed(context: ConnectionContext): boolean {
    if (context.admittedAt === undefined) return true;
    if (context.admittedAt !== this.options.rooms.accessEpoch) return false;
    context.admittedAt = undefined;
    return true;
  }

  /**
   * The context's role as it is now: looked up again while access changes were applied since the
   * last look-up, until one look-up saw none. The context is confirmed afterwards (the caller sets
   * the role, having compared it). Throws the Refusal a new client would get when access is gone;
   * undefined when `abandoned` says the client no longer waits.
   */
  async confirm(context: ConnectionContext, abandoned: () => boolean = () => false): Promise<Role | undefined> {
    const { access, rooms } = this.options;
    let role = context.role;
    try {
      while (context.admittedAt !== rooms.accessEpoch) {
        if (abandoned()) return undefined;
        context.admittedAt = rooms.accessEpoch;
        ({ role } = await access.toRoom(context.roomId, context.user.userId));
      }
      return role;
    } finally {
      context.admittedAt = undefined;
    }
  }

  private async verify(token: string): Promise<Identity> {
    try {
      return await this.options.tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected) throw new Refusal(CloseCode.Unauthorized, error.reason);
      throw error;
    }
  }
}
