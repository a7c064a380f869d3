import { equalityDeep } from "lib0/function";
import type { Awareness } from "y-protocols/awareness";

/**
 * Sets remote client states on an Awareness exactly as y-protocols' `applyAwarenessUpdate` would for
 * the update `[clientId, clock, state]…` — same clock rule, same `states`/`meta` changes, same
 * `change` and `update` events with the same origin — without encoding the states to JSON and parsing
 * them back. The server publishes every presence state through here, so that round trip was most of
 * the cost of publishing one (about 9 µs of 10).
 *
 * Only for states the server built itself (plain JSON-safe objects it never mutates afterwards).
 */
export function setAwarenessStates(
  awareness: Awareness,
  entries: ReadonlyArray<{ clientId: number; clock: number; state: object }>,
  origin: unknown,
): void {
  const timestamp = Date.now();
  const added: number[] = [];
  const updated: number[] = [];
  const filteredUpdated: number[] = [];
  for (const { clientId, clock, state } of entries) {
    const meta = awareness.meta.get(clientId);
    const current = meta === undefined ? 0 : meta.clock;
    if (!(current < clock)) continue;
    const previous = awareness.states.get(clientId);
    awareness.states.set(clientId, state);
    awareness.meta.set(clientId, { clock, lastUpdated: timestamp });
    if (meta === undefined) {
      added.push(clientId);
    } else {
      if (!equalityDeep(state, previous)) filteredUpdated.push(clientId);
      updated.push(clientId);
    }
  }
  if (added.length > 0 || filteredUpdated.length > 0) {
    awareness.emit("change", [{ added, updated: filteredUpdated, removed: [] }, origin]);
  }
  if (added.length > 0 || updated.length > 0) {
    awareness.emit("update", [{ added, updated, removed: [] }, origin]);
  }
}
