import type { Extension, connectedPayload, onAuthenticatePayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import { isConnectionContext } from "../context.ts";
import type { Tokens } from "../auth/tokens.ts";
import type { LiveRooms } from "../rooms/live-rooms.ts";
import type { Logger } from "../logger.ts";

export interface RoomLimitOptions {
  /** Distinct users a room admits (MAX_USERS_PER_ROOM); a user's further tabs are always admitted. */
  maxUsers: number;
  rooms: LiveRooms;
  tokens: () => Tokens;
  logger: Logger;
  /** How long an admitted user's place is held while its connection is being set up. */
  holdMs?: number;
}

/**
 * Caps the number of distinct users in a room. Hocuspocus runs `onAuthenticate` before the connection
 * exists, so a newly admitted user is not yet among the room's members: each admission holds a place
 * until the connection shows up (`connected`) or the hold expires, so that users authenticating at the
 * same moment cannot together overfill the room. Counts are per instance.
 *
 * Other transports (the JSON protocol) call `admit` before joining and `release` once their member is
 * registered with `LiveRooms`.
 */
export class RoomLimit implements Extension {
  extensionName = "room-limit";
  /** After authentication (1000): only clients that may enter the room take a place in it. */
  priority = 990;
  /** Room id → user id → when the held place expires (ms since epoch). */
  private readonly held = new Map<string, Map<string, number>>();
  private readonly holdMs: number;

  constructor(private readonly options: RoomLimitOptions) {
    this.holdMs = options.holdMs ?? 30_000;
  }

  /** Admits the user (holding a place) or throws a Refusal with reason `room-full`. */
  admit(roomId: string, userId: string): void {
    const now = Date.now();
    let held = this.held.get(roomId);
    for (const [user, expires] of held ?? []) if (expires <= now) held!.delete(user);
    const users = new Set(this.options.rooms.usersPresent(roomId).map((u) => u.user_id));
    for (const user of held?.keys() ?? []) users.add(user);
    if (!users.has(userId) && users.size >= this.options.maxUsers) {
      this.options.logger.info({ roomId, userId, users: users.size, max: this.options.maxUsers }, "room full; connection refused");
      // An empty message: Hocuspocus prints a hook error's message to stderr; the reason goes to the client.
      throw new Refusal(CloseCode.RoomFull, CloseReason.RoomFull, "");
    }
    if (!held) this.held.set(roomId, (held = new Map()));
    held.set(userId, now + this.holdMs);
  }

  /** Releases a held place: the user's connection is now counted by `LiveRooms` (or never came). */
  release(roomId: string, userId: string): void {
    const held = this.held.get(roomId);
    held?.delete(userId);
    if (held?.size === 0) this.held.delete(roomId);
  }

  async onAuthenticate({ token, documentName }: onAuthenticatePayload): Promise<void> {
    // Authentication (higher priority) has already verified this token; verifying again is a cheap
    // HMAC and keeps the two extensions independent (a hook cannot see the context another returned).
    const user = await this.options.tokens().verify(token);
    this.admit(documentName, user.userId);
  }

  async connected({ documentName, context }: connectedPayload): Promise<void> {
    if (isConnectionContext(context)) this.release(documentName, context.user.userId);
  }
}
