/**
 * The browser's offline copy of a room's document: `y-indexeddb` keeps every update in IndexedDB, so
 * edits made while offline survive a reload and are merged when the connection returns. Loaded on
 * demand, so Node and clients without `offline` never load it.
 */
import type * as Y from "yjs";

export interface OfflineStore {
  destroy(): Promise<void>;
  /** Deletes the stored copy (e.g. after leaving a room for good). */
  clear(): Promise<void>;
}

/** Opens (or creates) the store `name` for `doc`; resolves once what it kept is in `doc`. */
export async function openOfflineStore(name: string, doc: Y.Doc): Promise<OfflineStore> {
  if (typeof indexedDB === "undefined") throw new Error('offline: "indexeddb" needs IndexedDB (a browser)');
  const { IndexeddbPersistence } = await import("y-indexeddb");
  const persistence = new IndexeddbPersistence(name, doc);
  await persistence.whenSynced;
  return {
    destroy: () => persistence.destroy(),
    clear: () => persistence.clearData(),
  };
}
