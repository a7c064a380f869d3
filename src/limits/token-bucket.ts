/**
 * A token bucket (the rate limits of docs/SPEC.md LIM-2, LIM-3): holds up to `burst` tokens and
 * refills `perSecond` of them every second; each message takes one. Times are milliseconds from any
 * monotonic clock, passed in so one frame reads the clock once.
 *
 * `take` is for droppable messages (nothing taken when empty); `charge` is for messages that are never
 * dropped: it always takes a token and lets the bucket run into debt, which tells how far the sender
 * is over its budget.
 *
 * @example
 * const volatile = new TokenBucket(120, 60, now);
 * if (!volatile.take(now)) drop();
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly burst: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token if there is one; false (and nothing taken) otherwise. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token even when there is none; returns the tokens left (negative: debt). */
  charge(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens;
  }

  /** Milliseconds until `take` would succeed (0 when it would now). */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
      this.last = now;
    }
  }
}
