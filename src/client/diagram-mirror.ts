/**
 * The diagram as typed JSON, kept up to date transaction by transaction, and what each transaction
 * changed: tables, columns and relationships added, updated or removed. Only the elements a
 * transaction touched are read again (src/schema-doc's element versions find them), so a drag over
 * a large diagram costs one table per frame.
 */
import type * as Y from "yjs";
import {
  ElementVersions,
  readRelationship,
  readTable,
  relationshipsOf,
  tablesOf,
  type ColumnJson,
  type ElementChange,
  type RelationshipJson,
  type SchemaJson,
  type TableJson,
} from "../schema-doc/index.ts";

/** Ids added, updated and removed by one change. */
export interface ElementDelta {
  added: string[];
  updated: string[];
  removed: string[];
}

/**
 * What one change (one Yjs transaction) did to the diagram. A table counts as updated when anything
 * of it changed, its columns included; `columns` says which columns, as `${tableId}/${columnId}`.
 * A table added or removed brings its columns with it.
 */
export interface DiagramChange {
  /** `"local"`: made by this client (`apply`, `undo`, `redo`); `"remote"`: anyone else, or restored from IndexedDB. */
  origin: "local" | "remote";
  tables: ElementDelta;
  columns: ElementDelta;
  relationships: ElementDelta;
}

export class DiagramMirror {
  private readonly versions: ElementVersions;
  private readonly tables = new Map<string, TableJson>();
  private readonly relationships = new Map<string, RelationshipJson>();
  private snapshot: SchemaJson | undefined;
  // Each list keeps its identity while none of its elements changed: a table dragged across the
  // canvas must not look to the page like 400 new relationships.
  private tableList: TableJson[] | undefined;
  private relationshipList: RelationshipJson[] | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly doc: Y.Doc,
    private readonly isLocal: (origin: unknown) => boolean,
    private readonly onChange: (change: DiagramChange) => void,
  ) {
    this.versions = new ElementVersions(doc);
    const versionOf = (id: string) => this.versions.versionOf(id);
    for (const id of tablesOf(doc).keys()) {
      const table = readTable(doc, id, versionOf);
      if (table) this.tables.set(id, table);
    }
    for (const id of relationshipsOf(doc).keys()) {
      const relationship = readRelationship(doc, id, versionOf);
      if (relationship) this.relationships.set(id, relationship);
    }
    this.unsubscribe = this.versions.on("change", (change) => this.record(change));
  }

  /** The whole diagram, sorted by id like `GET /api/diagrams/:id/schema`. The same object until the next change. */
  get schema(): SchemaJson {
    this.tableList ??= [...this.tables.values()].sort(byId);
    this.relationshipList ??= [...this.relationships.values()].sort(byId);
    this.snapshot ??= { tables: this.tableList, relationships: this.relationshipList };
    return this.snapshot;
  }

  table(id: string): TableJson | undefined {
    return this.tables.get(id);
  }

  destroy(): void {
    this.unsubscribe();
    this.versions.destroy();
  }

  private record({ changed, deleted, origin }: ElementChange): void {
    const change: DiagramChange = {
      origin: this.isLocal(origin) ? "local" : "remote",
      tables: emptyDelta(),
      columns: emptyDelta(),
      relationships: emptyDelta(),
    };
    const versionOf = (id: string) => this.versions.versionOf(id);
    const tables = tablesOf(this.doc);
    const relationships = relationshipsOf(this.doc);
    for (const id of [...changed, ...deleted]) {
      if (tables.has(id) || this.tables.has(id)) this.recordTable(id, readTable(this.doc, id, versionOf), change);
      if (relationships.has(id) || this.relationships.has(id)) {
        this.recordElement(this.relationships, id, readRelationship(this.doc, id, versionOf), change.relationships);
      }
    }
    const { tables: t, columns: c, relationships: r } = change;
    if (t.added.length + t.updated.length + t.removed.length + c.added.length + c.updated.length + c.removed.length + r.added.length + r.updated.length + r.removed.length === 0) return;
    this.snapshot = undefined;
    if (t.added.length + t.updated.length + t.removed.length + c.added.length + c.updated.length + c.removed.length > 0) this.tableList = undefined;
    if (r.added.length + r.updated.length + r.removed.length > 0) this.relationshipList = undefined;
    this.onChange(change);
  }

  private recordTable(id: string, next: TableJson | undefined, change: DiagramChange): void {
    const previous = this.tables.get(id);
    this.recordElement(this.tables, id, next, change.tables);
    const before = new Map((previous?.columns ?? []).map((c) => [c.id, c]));
    const after = new Map((next?.columns ?? []).map((c) => [c.id, c]));
    for (const [columnId, column] of after) {
      const old = before.get(columnId);
      if (!old) change.columns.added.push(`${id}/${columnId}`);
      else if (!sameColumn(old, column)) change.columns.updated.push(`${id}/${columnId}`);
    }
    for (const columnId of before.keys()) if (!after.has(columnId)) change.columns.removed.push(`${id}/${columnId}`);
  }

  private recordElement<T extends { version: number }>(cache: Map<string, T>, id: string, next: T | undefined, delta: ElementDelta): void {
    const previous = cache.get(id);
    if (next === undefined) {
      if (previous === undefined) return;
      cache.delete(id);
      delta.removed.push(id);
      return;
    }
    cache.set(id, next);
    if (previous === undefined) delta.added.push(id);
    else if (!sameIgnoringVersion(previous, next)) delta.updated.push(id);
  }
}

function emptyDelta(): ElementDelta {
  return { added: [], updated: [], removed: [] };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameColumn(a: ColumnJson, b: ColumnJson): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameIgnoringVersion<T extends { version: number }>(a: T, b: T): boolean {
  return JSON.stringify({ ...a, version: 0 }) === JSON.stringify({ ...b, version: 0 });
}
