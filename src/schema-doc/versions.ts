/**
 * Per-element versions for one room, so the JSON protocol can send each client only what changed
 * since it last looked (docs/SPEC.md DOC-8: a version per table and relationship).
 */
import type * as Y from "yjs";
import { relationshipsOf, tablesOf } from "./layout.ts";
import { touchedElements } from "./touched.ts";

/** What one transaction did to the diagram's elements. */
export interface ElementChange {
  /** Tables and relationships created or modified (a column change counts for its table). */
  changed: string[];
  /** Tables and relationships that no longer exist. */
  deleted: string[];
  /** The transaction's origin: lets a listener skip echoing an edit back to its author. */
  origin: unknown;
  /** The room-wide version this transaction produced; every id in `changed` now has it. */
  version: number;
}

export type ElementChangeListener = (change: ElementChange) => void;

/**
 * Tracks a room-wide counter and, per table and relationship, the counter value of its last
 * change. Every transaction that changes at least one element — local, remote, any origin — bumps
 * the counter once. Elements present when it attaches get version 1.
 *
 * @example
 * const versions = new ElementVersions(doc);
 * versions.on("change", ({ changed, deleted, version }) => broadcastDelta(changed, deleted, version));
 * readSchema(doc, (id) => versions.versionOf(id));
 */
export class ElementVersions {
  private counter = 1;
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Set<ElementChangeListener>();
  private readonly doc: Y.Doc;
  private readonly onTransaction = (transaction: Y.Transaction): void => this.record(transaction);

  constructor(doc: Y.Doc) {
    this.doc = doc;
    for (const id of tablesOf(doc).keys()) this.versions.set(id, this.counter);
    for (const id of relationshipsOf(doc).keys()) this.versions.set(id, this.counter);
    doc.on("afterTransaction", this.onTransaction);
  }

  /** The room-wide version: that of the latest change. */
  get current(): number {
    return this.counter;
  }

  /** The version of an element's last change; 0 for an id never seen or since deleted. */
  versionOf(id: string): number {
    return this.versions.get(id) ?? 0;
  }

  /** Calls `listener` after every transaction that changed elements; returns an unsubscribe function. */
  on(event: "change", listener: ElementChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.off(event, listener);
  }

  off(_event: "change", listener: ElementChangeListener): void {
    this.listeners.delete(listener);
  }

  /** Stops tracking the document and drops all listeners. */
  destroy(): void {
    this.doc.off("afterTransaction", this.onTransaction);
    this.listeners.clear();
  }

  private record(transaction: Y.Transaction): void {
    const touched = touchedElements(this.doc, transaction);
    if (touched.tables.size === 0 && touched.relationships.size === 0) return;
    const changed: string[] = [];
    const deleted: string[] = [];
    const sort = (ids: Set<string>, map: Y.Map<unknown>): void => {
      for (const id of ids) (map.has(id) ? changed : deleted).push(id);
    };
    sort(touched.tables, tablesOf(this.doc));
    sort(touched.relationships, relationshipsOf(this.doc));
    // An element created and deleted within one transaction was never visible: not a change.
    const reportedDeletions = deleted.filter((id) => this.versions.has(id));
    if (changed.length === 0 && reportedDeletions.length === 0) return;

    this.counter += 1;
    for (const id of changed) this.versions.set(id, this.counter);
    for (const id of reportedDeletions) this.versions.delete(id);
    const change: ElementChange = { changed, deleted: reportedDeletions, origin: transaction.origin, version: this.counter };
    for (const listener of [...this.listeners]) listener(change);
  }
}
