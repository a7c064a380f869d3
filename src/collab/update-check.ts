import * as Y from "yjs";

/**
 * Why a Yjs update is refused: `undecodable` (not a Yjs update at all) or `unapplicable` (it decodes,
 * but integrating it would throw part-way through a transaction).
 */
export type UpdateProblem = "undecodable" | "unapplicable";

/** Clocks beyond this lose precision in Yjs's arithmetic (`clock + length`). */
const MAX_CLOCK = Number.MAX_SAFE_INTEGER;

/**
 * Checks, from the update's structure alone, that `Y.applyUpdate` will integrate it without
 * throwing — on any document, now or later, since an item whose dependencies are missing waits in
 * the store's pending structs and is integrated by a later update's transaction. Undefined when it
 * is fine.
 *
 * Yjs trusts an update's references: while integrating an item it looks up its left and right
 * origins and its parent by id, and a lookup that finds nothing throws mid-transaction, leaving the
 * items integrated before it in the document (and broadcast). References to another client's items
 * are safe — Yjs waits until that client's clock passes them, and a client's items are stored
 * contiguously from clock 0 — but references to the item's own client are not checked: an item
 * naming itself (or a later item of its client) as origin or parent throws. Every reference Yjs
 * writes points to an item that existed when the item was made, so an honest item's references to
 * its own client are always to smaller clocks. Nor does Yjs ever write an empty struct (a string,
 * GC or deletion of length 0): stored, one breaks the binary search every later lookup by clock relies
 * on. Subdocuments (`ContentDoc`) are refused too: the
 * schema document has none, and each would be a `Y.Doc` held by the room.
 *
 * One decoding pass over the update (as `Y.decodeUpdate`), no document needed.
 */
export function updateProblem(update: Uint8Array): UpdateProblem | undefined {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return "undecodable";
  }
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    // Yjs never writes an empty struct; one in the store breaks its binary search by clock.
    if (struct.length < 1 || clock + struct.length > MAX_CLOCK) return "unapplicable";
    if (!(struct instanceof Y.Item)) continue;
    if (struct.content instanceof Y.ContentDoc) return "unapplicable";
    if (struct.origin && struct.origin.client === client && struct.origin.clock >= clock) return "unapplicable";
    if (struct.rightOrigin && struct.rightOrigin.client === client && struct.rightOrigin.clock >= clock) return "unapplicable";
    const parent = struct.parent as unknown;
    if (parent instanceof Y.ID && parent.client === client && parent.clock >= clock) return "unapplicable";
  }
  for (const deletes of decoded.ds.clients.values()) {
    // An empty deletion cannot be written back (Yjs re-encodes the deletions it cannot apply yet).
    for (const range of deletes) if (range.len < 1 || range.clock + range.len > MAX_CLOCK) return "unapplicable";
  }
  return undefined;
}
