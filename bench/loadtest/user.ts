import { now } from "./clock.ts";
import { emptyCounters, type UserCounters, type UserPlan, type UserResult } from "./plan.ts";

/** What a simulated user needs from the worker that drives it. */
export interface UserEnvironment {
  /** Table id → index of the user moving it. */
  tableOwners: Map<string, number>;
  /** Records that `receiver` saw edit `seq` of `sender` (or a later one) just now. */
  recordReceipt(receiver: number, sender: number, seq: number): void;
  /** True inside the measurement window: counters only count then. */
  counting(): boolean;
  cursorHz: number;
  editHz: number;
}

const MAX_ERRORS_KEPT = 20;

/**
 * One simulated user, whatever its protocol: moves its cursor at `cursorHz` and moves its table once
 * per `1/editHz` seconds, each edit carrying its sequence number (table `y`) and send time (table `x`,
 * clock ms) so every receiver can tell which edit it sees and how late. Timers start at a random
 * phase so a thousand users do not fire in lockstep.
 */
/** How long a disconnected simulated user waits before connecting again (±50%). */
const RECONNECT_DELAY_MS = 1000;

export abstract class SimulatedUser {
  readonly counters: UserCounters = emptyCounters();
  readonly sendTimes: number[] = [];
  readonly ackLatencies: number[] = [];
  disconnects = 0;
  reconnects = 0;
  ready = false;
  protected stopped = false;
  private readonly errors: string[] = [];
  private errorCount = 0;
  private cursorX = Math.random() * 2000;
  private cursorY = Math.random() * 1000;
  private readonly cursorTimer: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
  private readonly editTimer: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    readonly plan: UserPlan,
    protected readonly env: UserEnvironment,
  ) {}

  /** Connects, syncs and creates this user's table; resolves true once the server acknowledged it. */
  /** Called once the user is ready (authenticated, and synced where that applies). */
  protected onReady: (() => void) | undefined;

  /** Connects; resolves true once ready, false (with an error) if not ready within `timeoutMs`. */
  start(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onReady = undefined;
        this.error(`not ready after ${timeoutMs} ms (${this.progress()})`);
        resolve(false);
      }, timeoutMs);
      this.onReady = () => {
        clearTimeout(timer);
        this.markReady();
        resolve(true);
      };
      this.connect();
    });
  }

  /** Opens the socket (again, after a disconnect). */
  protected abstract connect(): void;

  /** How far the connection got, for the not-ready error. */
  protected abstract progress(): string;
  /** Sends one cursor position (if connected). */
  protected abstract sendCursor(x: number, y: number): void;
  /** Moves the table: x = send time, y = seq. */
  protected abstract sendEdit(seq: number, sentAt: number): void;
  /** Closes the connection for good. */
  protected abstract close(): void;
  /** Edits sent but not acknowledged by the server. */
  protected abstract unackedEdits(): number;

  /** Starts cursor and edit timers at a random phase. */
  go(): void {
    const cursorPeriod = 1000 / this.env.cursorHz;
    const editPeriod = 1000 / this.env.editHz;
    if (this.env.cursorHz > 0) this.every(cursorPeriod, () => this.moveCursor(), this.cursorTimer);
    if (this.env.editHz > 0) this.every(editPeriod, () => this.edit(), this.editTimer);
  }

  stopEdits(): void {
    clearTimeout(this.editTimer.timer);
    this.editTimer.timer = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.stopEdits();
    clearTimeout(this.cursorTimer.timer);
    clearInterval(this.keepAlive);
    this.close();
  }

  result(): UserResult {
    const errors = [...this.errors];
    if (this.errorCount > errors.length) errors.push(`… and ${this.errorCount - errors.length} more`);
    return {
      index: this.plan.index,
      counters: this.counters,
      sendTimes: this.sendTimes,
      ackLatencies: this.ackLatencies,
      unacked: this.unackedEdits(),
      ready: this.ready,
      disconnects: this.disconnects,
      reconnects: this.reconnects,
      errorCount: this.errorCount,
      errors,
    };
  }

  /** The socket dropped while the run goes on: count it and connect again after a jittered delay. */
  protected reconnectAfter(code: number, reason: Buffer, connect: () => void): void {
    if (this.stopped) return;
    this.disconnects += 1;
    this.error(`disconnected: ${code} ${reason.toString() || "(no reason)"}`);
    setTimeout(() => {
      if (this.stopped) return;
      this.reconnects += 1;
      connect();
    }, RECONNECT_DELAY_MS * (0.5 + Math.random()));
  }

  protected error(message: string): void {
    this.errorCount += 1;
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push(message);
  }

  /** Counts an outgoing frame (inside the window). */
  protected countOut(bytes: number, presence: boolean): void {
    if (!this.env.counting()) return;
    this.counters.msgsOut += 1;
    this.counters.bytesOut += bytes;
    if (presence) this.counters.presenceOut += 1;
  }

  /** Counts an incoming frame (inside the window). */
  protected countIn(bytes: number, presenceStates: number): void {
    if (!this.env.counting()) return;
    this.counters.msgsIn += 1;
    this.counters.bytesIn += bytes;
    if (presenceStates >= 0) {
      this.counters.presenceIn += 1;
      this.counters.presenceBytesIn += bytes;
      this.counters.presenceStatesIn += presenceStates;
    }
  }

  /** Sends the current cursor (on (re)connection, and every 15 s like y-protocols' awareness renewal). */
  protected announce(): void {
    this.sendCursor(Math.round(this.cursorX * 10) / 10, Math.round(this.cursorY * 10) / 10);
  }

  /** Marks the user ready and keeps its presence (and the server's idle timeout) alive until `go`. */
  protected markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.keepAlive = setInterval(() => this.announce(), 15_000);
  }

  private moveCursor(): void {
    // A random walk over a 4000×3000 canvas, rounded like a pointer position.
    this.cursorX = Math.min(4000, Math.max(0, this.cursorX + (Math.random() - 0.5) * 40));
    this.cursorY = Math.min(3000, Math.max(0, this.cursorY + (Math.random() - 0.5) * 40));
    this.sendCursor(Math.round(this.cursorX * 10) / 10, Math.round(this.cursorY * 10) / 10);
  }

  private edit(): void {
    const seq = this.sendTimes.length + 1;
    const sentAt = now();
    this.sendTimes.push(sentAt);
    if (this.env.counting()) this.counters.editsOut += 1;
    this.sendEdit(seq, sentAt);
  }

  /**
   * Calls `fn` every `periodMs` from a random phase, on a fixed schedule rather than `setInterval`'s
   * (which restarts the period whenever a late callback runs, so a busy generator would quietly send
   * less). A tick more than a period late is skipped, as a browser drops frames.
   */
  private every(periodMs: number, fn: () => void, into: { timer: NodeJS.Timeout | undefined }): void {
    let due = now() + Math.random() * periodMs;
    const tick = () => {
      if (this.stopped) return;
      fn();
      const at = now();
      due = Math.max(due + periodMs, at);
      into.timer = setTimeout(tick, due - at);
    };
    into.timer = setTimeout(tick, due - now());
  }
}

/** A colour per user, as the editor would pick one. */
export function colorOf(index: number): string {
  const palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#008080", "#9a6324"];
  return palette[index % palette.length] ?? "#000000";
}
