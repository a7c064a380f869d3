import type { Logger } from "../logger.ts";
import type { RateLimitCount, RateLimitStore } from "../storage/rate-limits.ts";

export interface ViolationLogOptions {
  store: RateLimitStore;
  logger: Logger;
  /** Aggregation window (one row per session, user, type and window): a minute by default. */
  windowMs?: number;
  /** How often counts are written (RATE_LIMIT_FLUSH_MS). */
  flushMs: number;
}

/**
 * Rate-limit violations, counted in memory on the hot path (one map update) and written to
 * `liveshare_rate_limits` off it, every few seconds, one upsert per batch. A batch that cannot be
 * written is retried row by row, and rows that still fail (their session was deleted) are dropped.
 */
export class ViolationLog {
  private counts = new Map<string, RateLimitCount>();
  private readonly windowMs: number;
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: ViolationLogOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** Counts one message over a limit (`now`: wall-clock ms). */
  record(sessionId: string, userId: string, messageType: string, now: number): void {
    const windowStart = now - (now % this.windowMs);
    const key = `${sessionId}|${userId}|${messageType}|${windowStart}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { sessionId, userId, messageType, windowStart: new Date(windowStart), count: 1 });
  }

  /** Writes what has been counted; resolves when it is stored (writes never overlap). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    try {
      await this.options.store.add(batch);
    } catch (error) {
      const skipped = await this.options.store.addEach(batch);
      if (skipped > 0) this.options.logger.warn({ err: error, skipped }, "rate-limit counts could not be recorded");
    }
  }
}
