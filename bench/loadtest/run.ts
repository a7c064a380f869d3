import { randomBytes } from "node:crypto";
import { now, clockBase } from "./clock.ts";
import { computeDelivery } from "./delivery.ts";
import type { UserPlan } from "./plan.ts";
import { WorkerPool } from "./pool.ts";
import { summarizeProfile } from "./profile.ts";
import { provisionBare, provisionLiveShare } from "./provision.ts";
import { assemble, type TargetResult } from "./result.ts";
import { externalServer, startLiveShare, startReference, type ServerUnderTest } from "./servers.ts";
import { WindowSampler } from "./window.ts";
import type { RunOptions } from "./run-options.ts";
import { isLiveShare, type Target } from "./targets.ts";

export type { TargetResult } from "./result.ts";
export type { RunOptions } from "./run-options.ts";
export { isLiveShare, type Target } from "./targets.ts";

/** One target, one scenario: start the server, provision, connect, measure, stop everything. */
export async function runTarget(target: Target, options: RunOptions): Promise<TargetResult> {
  const { log } = options;
  const started: ServerUnderTest =
    !isLiveShare(target)
      ? await startReference(target, options.profileDir)
      : options.url && target === "liveshare"
        ? externalServer(options.url)
        : await startLiveShare({
            adminDatabaseUrl: options.adminDatabaseUrl,
            profileDir: options.profileDir,
            env: options.serverEnv,
            entry: target === "baseline" ? options.baselineEntry : options.liveshareEntry,
            nodeArgs: options.serverNodeArgs,
          });
  let stopping: Promise<string | undefined> | undefined;
  const server: ServerUnderTest = { ...started, stop: () => (stopping ??= started.stop()) };
  log(`${target}: server at ${server.httpUrl}${server.pid ? ` (pid ${server.pid})` : ""}`);
  const wsBase = server.httpUrl.replace(/^http/, "ws");
  const pool = new WorkerPool({
    workers: options.workers,
    // Bare Hocuspocus and the floor relay accept any path; LiveShare serves Yjs clients on /collab.
    yjsUrl: `${wsBase}/collab`,
    jsonUrl: `${wsBase}/api/liveshare/ws`,
    cursorHz: options.cursorHz,
    editHz: options.editHz,
    connectConcurrency: options.connectConcurrency,
    connectTimeoutMs: options.connectTimeoutS * 1000,
    nice: options.generatorNice,
  });
  let sampler: WindowSampler | undefined;
  let profileFile: string | undefined;
  try {
    const layout = { users: options.users, rooms: options.rooms, jsonClients: isLiveShare(target) ? options.jsonClients : 0, runId: randomBytes(4).toString("hex") };
    const provisionStart = now();
    const plans: UserPlan[] = isLiveShare(target) ? await provisionLiveShare(server.httpUrl, layout) : provisionBare(layout);
    const provisionMs = now() - provisionStart;
    log(`${target}: provisioned ${options.users} users in ${options.rooms} rooms in ${(provisionMs / 1000).toFixed(1)} s; connecting`);

    const connectStart = now();
    const ready = await pool.setUp(plans, options.setupTimeoutS * 1000);
    const connectMs = now() - connectStart;
    const readyCount = ready.reduce((s, r) => s + r.ready, 0);
    if (server.crashed()) throw new Error(server.crashed());
    log(`${target}: ${readyCount}/${options.users} users synced in ${(connectMs / 1000).toFixed(1)} s; measuring for ${options.durationS} s`);

    const durationMs = options.durationS * 1000;
    const goAt = now() + 300;
    const measure = (sampler = new WindowSampler(server));
    const atStart = delay(goAt - now()).then(() => measure.start());
    const atEnd = delay(goAt + durationMs - now()).then(() => measure.end());
    const results = await pool.run(goAt, durationMs, options.graceS * 1000);
    const crash = server.crashed();
    await Promise.all([atStart, atEnd]);
    measure.stop();
    await pool.close();
    profileFile = await server.stop();

    const users = results.flatMap((r) => r.users);
    // With JSON-protocol users, latency is also reported per (sender, receiver) protocol pair.
    const protocolOf = (index: number) => plans[index]?.protocol ?? "yjs";
    const groupOf = layout.jsonClients > 0 ? (sender: number, receiver: number) => `${protocolOf(sender)}→${protocolOf(receiver)}` : undefined;
    const delivery = computeDelivery(users, results.map((r) => r.receipts), options.rooms, goAt + durationMs + options.graceS * 1000, groupOf);
    const figures = measure.figures(options.durationS);
    const result = assemble(target, options, delivery, users, results, {
      ...figures,
      postgresCores: isLiveShare(target) && !(options.url && target === "liveshare") ? figures.postgresCores : undefined,
      serverPid: server.pid,
      provisionMs,
      connectMs,
      ready: readyCount,
      problems: server.problems,
      crash,
    });
    if (profileFile) {
      const base = BigInt(clockBase());
      const toUs = (ms: number) => Number(base / 1000n) + ms * 1000;
      result.profile = summarizeProfile(profileFile, { fromUs: toUs(goAt), toUs: toUs(goAt + durationMs) });
    }
    return result;
  } finally {
    sampler?.stop();
    await pool.close();
    await server.stop();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
