import { Worker } from "node:worker_threads";
import { clockBase, now } from "./clock.ts";
import type { UserPlan, WorkerInit, WorkerMessage, WorkerReady, WorkerResult } from "./plan.ts";

export interface PoolOptions {
  workers: number;
  yjsUrl: string;
  jsonUrl: string;
  cursorHz: number;
  editHz: number;
  connectConcurrency: number;
  connectTimeoutMs: number;
  nice: number;
}

/** The worker threads of one run and the users spread over them (user i → worker i mod n). */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly listeners = new Set<(message: WorkerMessage) => void>();
  private failure: Error | undefined;
  /** Set once terminating: workers exiting then are expected. */
  private closing = false;

  constructor(private readonly options: PoolOptions) {}

  /** Starts the workers and connects every user; resolves with each worker's set-up report. */
  async setUp(users: UserPlan[], setupTimeoutMs: number): Promise<WorkerReady[]> {
    const count = Math.max(1, Math.min(this.options.workers, users.length));
    const tableOwners = Object.fromEntries(users.map((u) => [u.tableId, u.index]));
    for (let id = 0; id < count; id++) {
      // Workers load TypeScript through tsx whatever started this process (npm script, vitest);
      // profiling flags pass through so the generator itself can be profiled.
      const execArgv = [...process.execArgv.filter((a) => a.startsWith("--cpu-prof")), "--import", "tsx"];
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { execArgv });
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "fatal") this.fail(new Error(`worker ${message.workerId}: ${message.error}`));
        for (const listener of this.listeners) listener(message);
      });
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`worker ${id} exited with code ${code}`));
      });
      this.workers.push(worker);
      const init: WorkerInit = {
        type: "init",
        workerId: id,
        users: users.filter((u) => u.index % count === id),
        tableOwners,
        yjsUrl: this.options.yjsUrl,
        jsonUrl: this.options.jsonUrl,
        clockBase: clockBase(),
        cursorHz: this.options.cursorHz,
        editHz: this.options.editHz,
        connectConcurrency: this.options.connectConcurrency,
        connectTimeoutMs: this.options.connectTimeoutMs,
        nice: this.options.nice,
      };
      worker.postMessage(init);
    }
    return this.collect<WorkerReady>("ready", setupTimeoutMs);
  }

  /** Runs the measurement: go at `goAt` (clock ms), for `durationMs`, plus `graceMs` for late edits. */
  async run(goAt: number, durationMs: number, graceMs: number): Promise<WorkerResult[]> {
    const results = this.collect<WorkerResult>("result", goAt - now() + durationMs + graceMs + 30_000);
    for (const worker of this.workers) worker.postMessage({ type: "go", goAt, durationMs, graceMs });
    return results;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const listener of this.listeners) listener({ type: "fatal", workerId: -1, error: error.message });
  }

  private collect<T extends WorkerMessage>(type: T["type"], timeoutMs: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const received: T[] = [];
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve(received.sort((a, b) => ("workerId" in a && "workerId" in b ? a.workerId - b.workerId : 0)));
      };
      const listener = (message: WorkerMessage) => {
        if (message.type === "fatal") return done(this.failure ?? new Error(message.error));
        if (message.type !== type) return;
        received.push(message as T);
        if (received.length === this.workers.length) done();
      };
      const timer = setTimeout(() => done(new Error(`workers did not report "${type}" within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      if (this.failure) return done(this.failure);
      this.listeners.add(listener);
    });
  }
}
