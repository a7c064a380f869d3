/**
 * The order tables are created in: every table after those it references, so that each foreign key
 * can be declared with its table. Where references form a cycle, one table goes first anyway and the
 * keys that close the cycle are added afterwards (`ALTER TABLE … ADD CONSTRAINT`).
 */
import type { RelationshipValues, TableValues } from "../../schema-doc/index.ts";

export interface CreationOrder {
  tables: TableValues[];
  /** Relationships whose referenced table exists when their own table is created (or is that table). */
  inline: RelationshipValues[];
  /** Relationships that close a cycle: declared after every table exists. */
  deferred: RelationshipValues[];
}

/** Kahn's algorithm, ties and cycle breaks by table name so that equal diagrams give equal DDL. */
export function creationOrder(tables: readonly TableValues[], relationships: readonly RelationshipValues[]): CreationOrder {
  const byId = new Map(tables.map((t) => [t.id, t]));
  const valid = relationships.filter((r) => byId.has(r.from_table) && byId.has(r.to_table));
  const waitingFor = new Map(tables.map((t) => [t.id, new Set<string>()]));
  for (const r of valid) if (r.from_table !== r.to_table) waitingFor.get(r.from_table)?.add(r.to_table);
  const byName = (a: TableValues, b: TableValues) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);
  const remaining = new Set(tables.map((t) => t.id));
  const created = new Set<string>();
  const ordered: TableValues[] = [];
  while (remaining.size > 0) {
    const candidates = [...remaining].map((id) => byId.get(id) as TableValues).sort(byName);
    const ready = candidates.filter((t) => [...(waitingFor.get(t.id) ?? [])].every((id) => created.has(id)));
    // A cycle: take the table that waits for the fewest others; its keys into the cycle are deferred.
    const next = ready.length > 0 ? ready : [candidates.reduce((best, t) => (pending(t) < pending(best) ? t : best))];
    for (const table of next) {
      ordered.push(table);
      created.add(table.id);
      remaining.delete(table.id);
    }
  }
  function pending(t: TableValues): number {
    return [...(waitingFor.get(t.id) ?? [])].filter((id) => !created.has(id)).length;
  }
  const position = new Map(ordered.map((t, i) => [t.id, i]));
  const inline: RelationshipValues[] = [];
  const deferred: RelationshipValues[] = [];
  for (const r of valid) ((position.get(r.to_table) as number) <= (position.get(r.from_table) as number) ? inline : deferred).push(r);
  return { tables: ordered, inline, deferred };
}
