/**
 * Reports a page's activity to the room as the design describes (Active < 30 s since the last
 * activity, Idle 30–600 s, Away when the page is hidden or after 600 s), sending no more than the
 * server needs to keep that true. The server derives Idle and Away from silence on its own, and
 * counts cursor, viewport and selection changes as activity; so the tracker sends only:
 * - `status: "away"` when the page is hidden, and `status: "active"` when it is shown again or the
 *   user acts after the server had marked them idle or away;
 * - a changed `activity` marker for input the server cannot see (typing, clicks on panels), at most
 *   once per half `idleAfterMs` — often enough that a busy user never looks idle.
 */
import type { PresenceStatus } from "./presence.ts";

/** What the tracker needs of a client: its presence. */
export interface PresenceTarget {
  presence: {
    set(update: { status?: PresenceStatus; activity?: number }): void;
    readonly local: Readonly<Record<string, unknown>>;
  };
}

/** Something to listen on: a window, or any element. */
export interface ActivityEventTarget {
  addEventListener(type: string, listener: () => void, options?: { passive?: boolean }): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** The page's visibility (the `document`). */
export interface VisibilitySource extends ActivityEventTarget {
  readonly visibilityState: string;
}

export interface ActivityTrackerOptions {
  /** Where pointer and keyboard input is watched (default: `window`). */
  target?: ActivityEventTarget;
  /** Whose `visibilitychange` says the page is hidden (default: `document`). */
  visibility?: VisibilitySource;
  /** The server's IDLE_AFTER_MS (default 30 000). */
  idleAfterMs?: number;
  /** The server's AWAY_AFTER_MS (default 600 000): only for `status`, the page's own view. */
  awayAfterMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

const INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "focus"] as const;

export class ActivityTracker {
  private readonly target: ActivityEventTarget | undefined;
  private readonly visibility: VisibilitySource | undefined;
  private readonly markEveryMs: number;
  private readonly idleAfterMs: number;
  private readonly awayAfterMs: number;
  private lastInputAt: number;
  private readonly now: () => number;
  private lastMarkAt = Number.NEGATIVE_INFINITY;
  private readonly onInput = (): void => this.input();
  private readonly onVisibility = (): void => this.visibilityChanged();

  constructor(
    private readonly client: PresenceTarget,
    options: ActivityTrackerOptions = {},
  ) {
    const g = globalThis as { window?: ActivityEventTarget; document?: VisibilitySource };
    this.target = options.target ?? g.window;
    this.visibility = options.visibility ?? g.document;
    this.idleAfterMs = options.idleAfterMs ?? 30_000;
    this.awayAfterMs = options.awayAfterMs ?? 600_000;
    this.markEveryMs = this.idleAfterMs / 2;
    this.now = options.now ?? (() => Date.now());
    this.lastInputAt = this.now();
    for (const type of INPUT_EVENTS) this.target?.addEventListener(type, this.onInput, { passive: true });
    this.visibility?.addEventListener("visibilitychange", this.onVisibility);
    if (this.visibility?.visibilityState === "hidden") this.client.presence.set({ status: "away" });
  }

  /**
   * This user's status as the page sees it (what the server will publish, by the same rules): away
   * when the page is hidden or silent for `awayAfterMs`, idle when silent for `idleAfterMs`.
   */
  get status(): PresenceStatus {
    if (this.visibility?.visibilityState === "hidden") return "away";
    const silent = this.now() - this.lastInputAt;
    return silent >= this.awayAfterMs ? "away" : silent >= this.idleAfterMs ? "idle" : "active";
  }

  /** Stops listening (the last status stays as reported). */
  destroy(): void {
    for (const type of INPUT_EVENTS) this.target?.removeEventListener(type, this.onInput);
    this.visibility?.removeEventListener("visibilitychange", this.onVisibility);
  }

  private input(): void {
    if (this.visibility?.visibilityState === "hidden") return;
    this.lastInputAt = this.now();
    const status = this.client.presence.local.status;
    if (status !== undefined && status !== "active") {
      // The server (or our hidden page) made us idle or away: saying "active" is the activity.
      this.client.presence.set({ status: "active" });
      this.lastMarkAt = this.now();
      return;
    }
    const now = this.now();
    if (now - this.lastMarkAt < this.markEveryMs) return;
    this.lastMarkAt = now;
    this.client.presence.set({ activity: now });
  }

  private visibilityChanged(): void {
    const hidden = this.visibility?.visibilityState === "hidden";
    this.client.presence.set({ status: hidden ? "away" : "active" });
    if (!hidden) this.lastMarkAt = this.lastInputAt = this.now();
  }
}
