import type { Connection, ConnectionTransactionOrigin } from "@hocuspocus/server";
import type { Identity } from "../auth/tokens.ts";
import { PRESENCE_ORIGIN, connectionOrigin, type ServerOrigin } from "../origins.ts";
import { Activity, type ActivityThresholds } from "./activity.ts";
import { colorFor } from "./color.ts";
import { PRESENCE_BUCKETS, type Priority } from "../limits/priorities.ts";
import type { ClientPresence, PresenceState, PresenceStatus, PresenceUser } from "./state.ts";
import type { CursorContext } from "./state-text.ts";
import { TokenBucket } from "../limits/token-bucket.ts";

/**
 * Who sends presence: one client connection (a Yjs document connection or a JSON-protocol socket).
 * `key` identifies it (one object per client connection); `user` is its token's identity.
 */
export interface PresenceSender {
  key: object;
  user: Identity;
  protocol: "yjs" | "json";
  /** The Hocuspocus connection of a Yjs client: its states are applied with its origin. */
  connection?: Connection;
  /** View-only clients still share presence (a viewer's cursor is seen); kept for the room listing. */
  readOnly: boolean;
}

type DroppablePriority = Exclude<Priority, "critical">;

/** One awareness client id of a sender (a provider has one: its Y.Doc's clientID). */
export class ClientSlot {
  /** The highest clock the client sent (-1: none yet, or a sender that sends no clocks). */
  clientClock = -1;
  /** The last state accepted from the client (what changes are classified against). */
  received: ClientPresence | undefined;
  /**
   * The last valid state the client sent and its text around the cursor value: a next text that
   * only moves the cursor is read against it without a full parse.
   */
  text: { state: ClientPresence; context: CursorContext } | undefined;
  /**
   * The status the client holds in its own state: what it last sent, or the server's when a Yjs
   * client adopted a publication (one with a higher clock than its own). A status differing from it
   * is the client reporting something.
   */
  clientStatus: PresenceStatus | undefined;
  /** What the room was last given for this client. */
  published: PresenceState | undefined;
  publishedAt = 0;
  /** A newer `received` waits for the next flush at `dueAt`. */
  pending = false;
  dueAt = 0;
  /** The newest state dropped over the rate limit: applied when a token is back, unless superseded. */
  deferred: ClientPresence | undefined;
  deferredPriority: DroppablePriority = "volatile";
  /** When the cursor / viewport last went out (throttling). */
  cursorAt = Number.NEGATIVE_INFINITY;
  viewportAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly clientId: number,
    public sender: SenderPresence,
  ) {}
}

/** A sender's presence in one room: its client slots, activity and rate-limit buckets. */
export class SenderPresence {
  readonly slots = new Map<number, ClientSlot>();
  readonly activity: Activity;
  readonly buckets: Record<DroppablePriority, TokenBucket>;
  readonly user: PresenceUser;
  /** A Yjs client's states are applied with its connection's origin; a JSON client's with presence's. */
  readonly origin: ConnectionTransactionOrigin | ServerOrigin;
  /** Window start of the last rate-limit warning per message type (one warning per window). */
  readonly warned = new Map<string, number>();

  constructor(
    readonly sender: PresenceSender,
    now: number,
    thresholds: ActivityThresholds,
  ) {
    this.activity = new Activity(now, thresholds);
    this.buckets = {
      volatile: new TokenBucket(PRESENCE_BUCKETS.volatile.burst, PRESENCE_BUCKETS.volatile.perSecond, now),
      low: new TokenBucket(PRESENCE_BUCKETS.low.burst, PRESENCE_BUCKETS.low.perSecond, now),
      normal: new TokenBucket(PRESENCE_BUCKETS.normal.burst, PRESENCE_BUCKETS.normal.perSecond, now),
    };
    this.user = { id: sender.user.userId, name: sender.user.name, color: colorFor(sender.user.userId) };
    this.origin = sender.connection ? connectionOrigin(sender.connection) : PRESENCE_ORIGIN;
  }
}
