import type { Delivery } from "./delivery.ts";
import type { UserResult, WorkerResult } from "./plan.ts";
import type { ProfileSummary } from "./profile.ts";
import type { RunOptions } from "./run-options.ts";
import type { Target } from "./targets.ts";
import type { WindowFigures } from "./window.ts";
import { distribution, type Distribution } from "./stats.ts";

/** Everything one run of one target measured: what the table and the JSON report show. */
export interface TargetResult {
  target: Target;
  /** The server process the run started (undefined with --url). */
  serverPid: number | undefined;
  users: number;
  rooms: number;
  durationS: number;
  setup: { provisionMs: number; connectMs: number; ready: number; failed: number };
  edits: {
    sent: number;
    perSecond: number;
    pairs: number;
    delivered: number;
    deliveredPercent: number;
    fullyDelivered: number;
    latencyMs: Distribution;
    /** Sender → server acknowledgement: SyncStatus (Yjs) or OpApplied (JSON protocol). */
    ackMs: Distribution;
    /** Latency per (sender, receiver) protocol pair, e.g. "json→yjs" (runs with JSON-protocol users). */
    byProtocol: Delivery["groups"];
    unacked: number;
  };
  messages: { sentPerSecond: number; receivedPerSecond: number; bytesSentPerSecond: number; bytesReceivedPerSecond: number };
  presence: {
    sentPerSecond: number;
    /** Presence messages sent as a share of users × cursor rate: below 100 % the generator fell behind. */
    sentPercentOfTarget: number;
    /** Presence (awareness) messages each client receives per second: mean and busiest client. */
    msgsPerClientPerSecond: number;
    maxMsgsPerClientPerSecond: number;
    bytesPerClientPerSecond: number;
    statesPerClientPerSecond: number;
  };
  server: {
    source: "/proc" | "/metrics" | "none";
    cpuCores: number;
    /** Of `cpuCores`, in user space (the rest is the kernel's: socket reads and writes). */
    userCores: number;
    /** Garbage-collection pauses, ms per second of the window (LiveShare's /metrics). */
    gcMsPerSecond: number | undefined;
    cpuMsPerDeliveredEdit: number;
    rssPeakMB: number;
    rssEndMB: number;
    problems: number;
    problemSamples: string[];
    /** The server died during the run: how, and its last output. */
    crash: string | undefined;
    /** V8 heap used and reserved, and external memory, after the run (LiveShare's /metrics). */
    heapUsedMB: number | undefined;
    heapTotalMB: number | undefined;
    externalMB: number | undefined;
    /** The server's event-loop lag over the window (LiveShare's /metrics): a saturated server shows here. */
    loopLagP99Ms: number | undefined;
    loopLagMaxMs: number | undefined;
    /** INSERTs of the durable update log per second, and edits per INSERT (group commit). */
    logBatchesPerSecond: number | undefined;
    logEntriesPerBatch: number | undefined;
  };
  /** CPU of every postgres process on the machine during the window (includes other users of it). */
  postgresCpuCores: number | undefined;
  /** CPU of the PostgreSQL backends connected to this run's database (LiveShare's durable log). */
  databaseBackendCpuCores: number | undefined;
  /** Busy cores of the whole machine, and what of it was neither server, generator nor PostgreSQL. */
  machine: { busyCores: number; otherCores: number; busyBeforeCores?: number };
  generator: {
    workers: number;
    nice: number;
    cpuCores: number;
    loopLagP99Ms: number;
    loopLagMaxMs: number;
    loopUtilizationMax: number;
    mainLoopLagP99Ms: number;
  };
  errors: { total: number; disconnects: number; reconnects: number; failedUsers: number; samples: string[] };
  profile: ProfileSummary | undefined;
}

/** What the run measured outside the workers. */
export interface Measured extends Omit<WindowFigures, "postgresCores"> {
  postgresCores: number | undefined;
  serverPid: number | undefined;
  provisionMs: number;
  connectMs: number;
  ready: number;
  problems: string[];
  crash: string | undefined;
}

/** Combines the workers' per-user results and the run's own measurements into a TargetResult. */
export function assemble(target: Target, options: RunOptions, delivery: Delivery, users: UserResult[], results: WorkerResult[], m: Measured): TargetResult {
  const seconds = options.durationS;
  const sum = (pick: (u: UserResult) => number) => users.reduce((s, u) => s + pick(u), 0);
  const n = Math.max(1, users.length);
  const errors = users.flatMap((u) => u.errors.map((e) => `user ${u.index}: ${e}`));
  const errorCount = sum((u) => u.errorCount);
  return {
    target,
    serverPid: m.serverPid,
    users: options.users,
    rooms: options.rooms,
    durationS: seconds,
    setup: { provisionMs: m.provisionMs, connectMs: m.connectMs, ready: m.ready, failed: options.users - m.ready },
    edits: {
      sent: delivery.editsSent,
      perSecond: sum((u) => u.counters.editsOut) / seconds,
      pairs: delivery.pairs,
      delivered: delivery.delivered,
      deliveredPercent: delivery.deliveredPercent,
      fullyDelivered: delivery.editsFullyDelivered,
      latencyMs: delivery.latency,
      ackMs: distribution(users.flatMap((u) => u.ackLatencies)),
      byProtocol: delivery.groups,
      unacked: sum((u) => u.unacked),
    },
    messages: {
      sentPerSecond: sum((u) => u.counters.msgsOut) / seconds,
      receivedPerSecond: sum((u) => u.counters.msgsIn) / seconds,
      bytesSentPerSecond: sum((u) => u.counters.bytesOut) / seconds,
      bytesReceivedPerSecond: sum((u) => u.counters.bytesIn) / seconds,
    },
    presence: {
      sentPerSecond: sum((u) => u.counters.presenceOut) / seconds,
      sentPercentOfTarget: (100 * sum((u) => u.counters.presenceOut)) / seconds / (options.users * options.cursorHz),
      msgsPerClientPerSecond: sum((u) => u.counters.presenceIn) / seconds / n,
      maxMsgsPerClientPerSecond: Math.max(0, ...users.map((u) => u.counters.presenceIn)) / seconds,
      bytesPerClientPerSecond: sum((u) => u.counters.presenceBytesIn) / seconds / n,
      statesPerClientPerSecond: sum((u) => u.counters.presenceStatesIn) / seconds / n,
    },
    server: {
      source: m.serverSource,
      cpuCores: m.serverCores,
      userCores: m.serverUserCores,
      gcMsPerSecond: m.serverGcMsPerSecond,
      cpuMsPerDeliveredEdit: (m.serverCpuSeconds * 1000) / delivery.deliveredEdits,
      rssPeakMB: m.rssPeakMB,
      rssEndMB: m.rssEndMB,
      problems: m.problems.length,
      problemSamples: m.problems.slice(0, 5),
      crash: m.crash,
      heapUsedMB: m.heap ? m.heap.heapUsed / 2 ** 20 : undefined,
      heapTotalMB: m.heap ? m.heap.heapTotal / 2 ** 20 : undefined,
      externalMB: m.heap ? m.heap.external / 2 ** 20 : undefined,
      loopLagP99Ms: m.heap?.loopLagP99Ms,
      loopLagMaxMs: m.heap?.loopLagMaxMs,
      logBatchesPerSecond: m.logBatchesPerSecond,
      logEntriesPerBatch: m.logEntriesPerBatch,
    },
    postgresCpuCores: m.postgresCores,
    databaseBackendCpuCores: m.backendCores,
    machine: { busyCores: m.machineCores, otherCores: m.otherCores },
    generator: {
      workers: results.length,
      nice: options.generatorNice,
      cpuCores: m.generatorCores,
      loopLagP99Ms: Math.max(...results.map((r) => r.loop.p99Ms)),
      loopLagMaxMs: Math.max(...results.map((r) => r.loop.maxMs)),
      loopUtilizationMax: Math.max(...results.map((r) => r.loop.utilization)),
      mainLoopLagP99Ms: m.mainLoopLagP99Ms,
    },
    errors: {
      total: errorCount,
      disconnects: sum((u) => u.disconnects),
      reconnects: sum((u) => u.reconnects),
      failedUsers: users.filter((u) => !u.ready).length,
      samples: errors.slice(0, 10),
    },
    profile: undefined,
  };
}

