/** What the main thread tells each worker: who its users are and how they behave. */

/** One simulated user. */
export interface UserPlan {
  /** Global index (0..users-1); also the sender id in latency records. */
  index: number;
  /** Room index (0..rooms-1). */
  room: number;
  /** The Hocuspocus document name: LiveShare's room id. */
  documentName: string;
  token: string;
  userId: string;
  name: string;
  color: string;
  /** The table this user creates at start and moves once per edit. */
  tableId: string;
  protocol: "yjs" | "json";
}

export interface WorkerInit {
  type: "init";
  workerId: number;
  users: UserPlan[];
  /** Table id → index of the user who moves it, for every user of the run. */
  tableOwners: Record<string, number>;
  /** `ws://host:port/collab`. */
  yjsUrl: string;
  /** `ws://host:port/api/liveshare/ws` (JSON-protocol users). */
  jsonUrl: string;
  clockBase: string;
  cursorHz: number;
  editHz: number;
  /** Users of this worker connecting at the same time during set-up. */
  connectConcurrency: number;
  /** A user not synced (and its table acknowledged) by then counts as a set-up failure. */
  connectTimeoutMs: number;
  /** Niceness of the worker thread (0: as the server's). */
  nice: number;
}

/** Start moving cursors and editing at `goAt` (clock ms); edits stop at goAt+duration, everything at +grace. */
export interface WorkerGo {
  type: "go";
  goAt: number;
  durationMs: number;
  graceMs: number;
}

export interface WorkerReady {
  type: "ready";
  workerId: number;
  ready: number;
  failed: number;
  setupMs: number;
}

/** Per-user counters over the measurement window (go .. go+duration). */
export interface UserCounters {
  msgsIn: number;
  bytesIn: number;
  presenceIn: number;
  presenceBytesIn: number;
  presenceStatesIn: number;
  msgsOut: number;
  bytesOut: number;
  presenceOut: number;
  editsOut: number;
}

export interface UserResult {
  index: number;
  counters: UserCounters;
  /** Send time (clock ms) of edit `seq` at position seq-1. */
  sendTimes: number[];
  /** Sender → server acknowledgement (SyncStatus) latencies of this user's edits, ms. */
  ackLatencies: number[];
  /** Edits never acknowledged by the end of the run. */
  unacked: number;
  ready: boolean;
  disconnects: number;
  reconnects: number;
  /** All errors this user met; `errors` keeps the first few. */
  errorCount: number;
  errors: string[];
}

export interface WorkerResult {
  type: "result";
  workerId: number;
  users: UserResult[];
  /** Flat [receiver, sender, seq, arrival] records of every observed edit. */
  receipts: Float64Array;
  loop: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number; utilization: number };
}

export type WorkerMessage = WorkerReady | WorkerResult | { type: "fatal"; workerId: number; error: string };

export function emptyCounters(): UserCounters {
  return { msgsIn: 0, bytesIn: 0, presenceIn: 0, presenceBytesIn: 0, presenceStatesIn: 0, msgsOut: 0, bytesOut: 0, presenceOut: 0, editsOut: 0 };
}
