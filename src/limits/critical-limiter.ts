import type { Connection } from "@hocuspocus/server";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { ViolationLog } from "./violations.ts";

export interface CriticalLimiterOptions {
  /** CRITICAL_BURST and CRITICAL_PER_SECOND. */
  burst: number;
  perSecond: number;
  metrics: Metrics;
  logger: Logger;
  violations?: ViolationLog;
  now?: () => number;
}

/** What a connection's Critical budget says about one more message. */
export type CriticalVerdict = "ok" | "over" | "disconnect";

/**
 * The Critical priority (document updates, sync and auth frames): never dropped. Each connection has a
 * token bucket of CRITICAL_BURST tokens refilled at CRITICAL_PER_SECOND, sized so typing and dragging
 * never reach it. A message over the budget is still handled but counted (metrics, warn log,
 * `liveshare_rate_limits`); a client that keeps exceeding — its debt reaches another whole burst —
 * is disconnected with `rate-limited`. Its provider reconnects and resyncs: the edits the server had
 * not acknowledged are sent again, so nothing is lost.
 */
export class CriticalLimiter {
  private readonly now: () => number;
  private readonly exceeded: { inc(): void };
  /** Minute of the last warning per connection budget: one warning a minute, not one per message. */
  private readonly warned = new WeakMap<TokenBucket, number>();

  constructor(private readonly options: CriticalLimiterOptions) {
    this.now = options.now ?? (() => performance.now());
    this.exceeded = options.metrics.rateLimitExceeded.labels({ priority: "critical" });
  }

  /** A new connection's budget. */
  bucket(): TokenBucket {
    return new TokenBucket(this.options.burst, this.options.perSecond, this.now());
  }

  /** Charges one Critical message of `messageType` from the user in the room. */
  charge(bucket: TokenBucket, roomId: string, userId: string, messageType: string): CriticalVerdict {
    const left = bucket.charge(this.now());
    if (left >= 0) return "ok";
    this.exceeded.inc();
    this.options.violations?.record(roomId, userId, messageType, Date.now());
    const minute = Math.floor(Date.now() / 60_000);
    if (this.warned.get(bucket) !== minute) {
      this.warned.set(bucket, minute);
      this.options.logger.warn({ roomId, userId, priority: "critical", messageType }, "rate limit exceeded; critical messages are still handled");
    }
    if (left >= -this.options.burst) return "over";
    this.options.logger.warn({ roomId, userId, priority: "critical", messageType }, "rate limit exceeded for too long; disconnecting");
    return "disconnect";
  }
}

/**
 * Closes a Yjs document connection for exceeding its rate limit: the provider is told why, then the
 * socket is closed so that it reconnects and resyncs.
 */
export function disconnectRateLimited(connection: Connection): void {
  const event = { code: CloseCode.RateLimited, reason: CloseReason.RateLimited };
  // Hocuspocus keeps working through a closed connection's queued frames; a flooder's backlog is not
  // worth it: none of it was acknowledged, and the provider sends it again after reconnecting
  // (Hocuspocus empties the queue the same way when a message fails).
  const queue = (connection as unknown as { messageQueue?: unknown }).messageQueue;
  if (Array.isArray(queue)) queue.length = 0;
  connection.close(event);
  connection.webSocket.close(event.code, event.reason);
}
