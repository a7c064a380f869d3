/**
 * A worker thread driving a share of the simulated users. Set-up (connect, sync, create tables) runs
 * on `init`; cursors and edits start at the common `goAt`, edits stop after the window, receipts are
 * still recorded during the grace period, then everything closes and the results go back.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import { now, setClockBase } from "./clock.ts";
import { JsonUser } from "./json-user.ts";
import { setPriority } from "node:os";
import type { WorkerGo, WorkerInit, WorkerMessage, WorkerResult } from "./plan.ts";
import type { SimulatedUser, UserEnvironment } from "./user.ts";
import { YjsUser } from "./yjs-user.ts";

const port = parentPort;
if (!port) throw new Error("worker.ts runs as a worker thread");

let init: WorkerInit | undefined;
let users: SimulatedUser[] = [];
let counting = false;
let receipts = new Float64Array(64 * 1024);
let receiptCount = 0;

function recordReceipt(receiver: number, sender: number, seq: number): void {
  if (receiptCount + 4 > receipts.length) {
    const grown = new Float64Array(receipts.length * 2);
    grown.set(receipts);
    receipts = grown;
  }
  receipts[receiptCount++] = receiver;
  receipts[receiptCount++] = sender;
  receipts[receiptCount++] = seq;
  receipts[receiptCount++] = now();
}

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

async function setUp(message: WorkerInit): Promise<void> {
  init = message;
  setClockBase(message.clockBase);
  // Linux keeps a nice value per thread: this lowers the priority of this worker only.
  if (message.nice > 0) setPriority(message.nice);
  const env: UserEnvironment = {
    tableOwners: new Map(Object.entries(message.tableOwners)),
    recordReceipt,
    counting: () => counting,
    cursorHz: message.cursorHz,
    editHz: message.editHz,
  };
  users = message.users.map((plan) => (plan.protocol === "json" ? new JsonUser(plan, env, message.jsonUrl) : new YjsUser(plan, env, message.yjsUrl)));
  const started = now();
  let next = 0;
  let ready = 0;
  const lane = async () => {
    while (next < users.length) {
      const user = users[next++]!;
      if (await user.start(message.connectTimeoutMs)) ready += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, message.connectConcurrency) }, lane));
  post({ type: "ready", workerId: message.workerId, ready, failed: users.length - ready, setupMs: now() - started });
}

/** monitorEventLoopDelay records the interval between its timer's ticks: lag is that minus the resolution. */
const LAG_RESOLUTION_MS = 10;

function run(go: WorkerGo): void {
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  let elu = performance.eventLoopUtilization();
  let loop: WorkerResult["loop"] = { p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0, utilization: 0 };
  setTimeout(() => {
    counting = true;
    lag.enable();
    elu = performance.eventLoopUtilization();
    for (const user of users) user.go();
    setTimeout(() => {
      counting = false;
      lag.disable();
      loop = {
        p50Ms: Math.max(0, lag.percentile(50) / 1e6 - LAG_RESOLUTION_MS),
        p99Ms: Math.max(0, lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS),
        maxMs: Math.max(0, lag.max / 1e6 - LAG_RESOLUTION_MS),
        meanMs: Math.max(0, lag.mean / 1e6 - LAG_RESOLUTION_MS),
        utilization: performance.eventLoopUtilization(elu).utilization,
      };
      for (const user of users) user.stopEdits();
      setTimeout(() => {
        for (const user of users) user.stop();
        const result: WorkerResult = {
          type: "result",
          workerId: init!.workerId,
          users: users.map((u) => u.result()),
          receipts: receipts.slice(0, receiptCount),
          loop,
        };
        post(result);
      }, go.graceMs);
    }, go.durationMs);
  }, Math.max(0, go.goAt - now()));
}

port.on("message", (message: WorkerInit | WorkerGo) => {
  if (message.type === "init") {
    setUp(message).catch((error: unknown) => post({ type: "fatal", workerId: message.workerId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  } else if (message.type === "go") {
    run(message);
  }
});
