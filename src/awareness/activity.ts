import type { PresenceStatus } from "./state.ts";

export interface ActivityThresholds {
  /** Without activity for this long, a client is idle (IDLE_AFTER_MS, 30 s by default). */
  idleAfterMs: number;
  /** Without activity for this long, a client is away (AWAY_AFTER_MS, 600 s by default). */
  awayAfterMs: number;
}

/**
 * One client's activity status, kept true by the server (docs/SPEC.md PRES-5 to PRES-7):
 * - **active**: activity less than `idleAfterMs` ago;
 * - **idle**: no activity for `idleAfterMs` (or the client reported `"idle"` since its last activity);
 * - **away**: the client reported its page hidden (`"away"`), or no activity for `awayAfterMs`.
 *
 * Activity is what the server observes (a cursor move, viewport change, selection, a document edit,
 * joining) and what the client reports (`status: "active"`, a changed `activity` marker). A hidden
 * page stays away until the client reports another status.
 */
export class Activity {
  private lastActiveAt: number;
  private hidden = false;
  private idleReported = false;
  /** The status last derived: what the room sees. */
  status: PresenceStatus = "active";

  constructor(
    now: number,
    private readonly thresholds: ActivityThresholds,
  ) {
    this.lastActiveAt = now;
  }

  /** The user did something. */
  touch(now: number): void {
    this.lastActiveAt = now;
    this.idleReported = false;
  }

  /** The client reported a status. */
  report(status: PresenceStatus, now: number): void {
    this.hidden = status === "away";
    if (status === "active") this.touch(now);
    else if (status === "idle") this.idleReported = true;
  }

  /** Derives the status for `now`; true when it changed (the room must be told). */
  update(now: number): boolean {
    const next = this.derive(now);
    if (next === this.status) return false;
    this.status = next;
    return true;
  }

  /** Milliseconds since the last activity. */
  silentFor(now: number): number {
    return now - this.lastActiveAt;
  }

  private derive(now: number): PresenceStatus {
    const silent = now - this.lastActiveAt;
    if (this.hidden || silent >= this.thresholds.awayAfterMs) return "away";
    if (this.idleReported || silent >= this.thresholds.idleAfterMs) return "idle";
    return "active";
  }
}

const RANK: Readonly<Record<PresenceStatus, number>> = { active: 2, idle: 1, away: 0 };

/** The livelier of two statuses: a user with several connections is as active as the most active one. */
export function liveliest(a: PresenceStatus | undefined, b: PresenceStatus): PresenceStatus {
  return a === undefined || RANK[b] > RANK[a] ? b : a;
}
