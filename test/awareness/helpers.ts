import type { LiveShareFixture } from "../helpers/fixture.ts";
import type { TestProvider } from "../helpers/provider.ts";
import type { TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

/** A presence state as a peer sees it (presence state v1). */
export interface SeenState {
  user?: { id?: string; name?: string; color?: string };
  cursor?: { x: number; y: number } | null;
  viewport?: { center: { x: number; y: number }; zoom: number } | null;
  selection?: string[];
  status?: string;
  [field: string]: unknown;
}

/**
 * A server started with `env`, the live room of a diagram owned by `ownerName`, and one synced
 * provider of the owner's in it per name: `const { peers: { a, b } } = await roomWithPeers(live, ["a", "b"])`.
 */
export async function roomWithPeers<Name extends string>(live: LiveShareFixture, names: readonly Name[], env: Record<string, string> = {}, ownerName = "owner") {
  const server = await live.start(env);
  const owner = await server.api.room(ownerName);
  const peers = {} as Record<Name, TestProvider>;
  for (const name of names) peers[name] = await live.connectSynced(owner.roomId, owner.token);
  return { server, owner, token: owner.token, roomId: owner.roomId, peers };
}

/** `observer`'s view of `subject`'s presence (by the subject's awareness client id). */
export function seen(observer: TestProvider, subject: TestProvider): SeenState | undefined {
  return observer.provider.awareness!.getStates().get(subject.doc.clientID) as SeenState | undefined;
}

/** Waits until `observer` sees `subject` in a state that satisfies `check`. */
export async function waitSeen(observer: TestProvider, subject: TestProvider, check: (s: SeenState) => boolean, what: string, timeoutMs = 10_000): Promise<SeenState> {
  await waitFor(() => {
    const s = seen(observer, subject);
    return s !== undefined && check(s);
  }, what, timeoutMs);
  return seen(observer, subject)!;
}

/** Records every distinct cursor `observer` is shown for `subject`, with when it arrived. */
export function recordCursors(observer: TestProvider, subject: TestProvider): Array<{ x: number; y: number; at: number }> {
  const log: Array<{ x: number; y: number; at: number }> = [];
  observer.provider.awareness!.on("change", ({ added, updated }: { added: number[]; updated: number[] }) => {
    if (!added.concat(updated).includes(subject.doc.clientID)) return;
    const cursor = seen(observer, subject)?.cursor;
    const last = log.at(-1);
    if (cursor && (!last || last.x !== cursor.x || last.y !== cursor.y)) log.push({ ...cursor, at: performance.now() });
  });
  return log;
}

/** The sum of a metric's values over the series matching `labels`. */
export async function counterValue(server: TestServer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await server.liveshare.core.metrics.registry.getSingleMetric(name)?.get();
  let total = 0;
  for (const value of metric?.values ?? []) {
    if (Object.entries(labels).every(([k, v]) => value.labels[k] === v)) total += value.value;
  }
  return total;
}
