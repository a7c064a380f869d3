/** Helpers for tests with several Y.Doc replicas exchanging updates like real peers. */
import * as Y from "yjs";

/** A replica with a fixed client id, so runs are reproducible (Yjs orders concurrent inserts by client id). */
export function replica(clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

/** Sends `target` everything `source` has that `target` lacks (one direction only). */
export function syncInto(target: Y.Doc, source: Y.Doc, origin: unknown = "remote"): void {
  Y.applyUpdate(target, Y.encodeStateAsUpdate(source, Y.encodeStateVector(target)), origin);
}

/** Syncs every pair both ways until all replicas hold the same updates. */
export function syncAll(docs: readonly Y.Doc[]): void {
  for (const target of docs) for (const source of docs) if (source !== target) syncInto(target, source);
  for (const target of docs) for (const source of docs) if (source !== target) syncInto(target, source);
}

/** The full encoded state: byte-identical before and after means nothing changed. */
export function encoded(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc);
}
