/**
 * The room's tables and relationships as JSON, each read from the Y.Doc once per version and kept
 * with its serialized size. Full states and deltas for every JSON client are assembled from here,
 * so a change costs reading the changed elements, not the whole diagram, and the size a full state
 * would have is known without serializing one.
 */
import type * as Y from "yjs";
import { readRelationship, readSchema, readTable, relationshipsOf, tablesOf, type ElementVersions, type RelationshipJson, type SchemaJson, type TableJson } from "../schema-doc/index.ts";

export interface CachedElement {
  kind: "table" | "relationship";
  json: TableJson | RelationshipJson;
  version: number;
  /** UTF-8 bytes of `JSON.stringify(json)`. */
  bytes: number;
}

const byId = (a: CachedElement, b: CachedElement): number => (a.json.id < b.json.id ? -1 : a.json.id > b.json.id ? 1 : 0);

export class ElementCache {
  private readonly elements = new Map<string, CachedElement>();
  /** Ids changed since they were last read. */
  private readonly stale = new Set<string>();
  private totalBytes = 0;

  constructor(
    private readonly doc: Y.Doc,
    private readonly versions: ElementVersions,
  ) {
    const versionOf = (id: string): number => versions.versionOf(id);
    const { tables, relationships } = readSchema(doc, versionOf);
    for (const table of tables) this.put(table.id, "table", table);
    for (const relationship of relationships) this.put(relationship.id, "relationship", relationship);
  }

  /** Marks elements changed (read again on next use) and drops deleted ones. */
  invalidate(changed: readonly string[], deleted: readonly string[]): void {
    for (const id of changed) this.stale.add(id);
    for (const id of deleted) {
      this.stale.delete(id);
      this.drop(id);
    }
  }

  /** The element as of its current version, or undefined when it no longer exists. */
  get(id: string): CachedElement | undefined {
    if (this.stale.has(id)) this.refresh(id);
    return this.elements.get(id);
  }

  /** The whole diagram, sorted by id like `readSchema`. */
  all(): { state: SchemaJson; elements: CachedElement[] } {
    for (const id of [...this.stale]) this.refresh(id);
    const elements = [...this.elements.values()].sort(byId);
    const state: SchemaJson = { tables: [], relationships: [] };
    for (const element of elements) {
      if (element.kind === "table") state.tables.push(element.json as TableJson);
      else state.relationships.push(element.json as RelationshipJson);
    }
    return { state, elements };
  }

  /** Bytes of every element's JSON together (punctuation between them not included). */
  get bytes(): number {
    for (const id of [...this.stale]) this.refresh(id);
    return this.totalBytes;
  }

  get size(): number {
    return this.elements.size;
  }

  private refresh(id: string): void {
    this.stale.delete(id);
    this.drop(id);
    const version = this.versions.versionOf(id);
    if (version === 0) return;
    const versionOf = (): number => version;
    // A third-party client may have stored something unreadable under an id: it is not an element.
    if (tablesOf(this.doc).has(id)) {
      const table = readTable(this.doc, id, versionOf);
      if (table) this.put(id, "table", table);
    } else if (relationshipsOf(this.doc).has(id)) {
      const relationship = readRelationship(this.doc, id, versionOf);
      if (relationship) this.put(id, "relationship", relationship);
    }
  }

  private put(id: string, kind: CachedElement["kind"], json: TableJson | RelationshipJson): void {
    const bytes = Buffer.byteLength(JSON.stringify(json));
    this.elements.set(id, { kind, json, version: json.version, bytes });
    this.totalBytes += bytes;
  }

  private drop(id: string): void {
    const old = this.elements.get(id);
    if (!old) return;
    this.totalBytes -= old.bytes;
    this.elements.delete(id);
  }
}
