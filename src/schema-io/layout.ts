/**
 * Places new tables so that they overlap nothing: each group of tables joined by foreign keys is laid
 * out by `@dagrejs/dagre` (a referenced table left of those that reference it), the groups are packed
 * in rows, and the whole block goes to the right of everything already on the canvas. dagre's crossing
 * minimisation grows much faster than the graph (about 50 s for 550 tables and 1000 keys), so a group
 * larger than {@link DAGRE_LIMIT} is laid out as a grid instead, referenced tables first.
 */
import dagre from "@dagrejs/dagre";
import type { TableValues } from "../schema-doc/index.ts";

/** The box a table is given: a header and one row per column. */
export const TABLE_WIDTH = 260;
const HEADER_HEIGHT = 40;
const ROW_HEIGHT = 28;
const GAP = 80;
/** The largest group of tables laid out by dagre; larger ones get a grid. */
export const DAGRE_LIMIT = 60;

export function tableHeight(columns: number): number {
  return HEADER_HEIGHT + ROW_HEIGHT * Math.max(1, columns);
}

interface Block {
  tables: TableValues[];
  width: number;
  height: number;
}

/**
 * Gives every table in `placing` an x and y that keep its box clear of the others and of `placed`.
 * `edges` are `[from id, to id]` pairs; those touching tables outside `placing` are ignored.
 */
export function layoutNewTables(placing: TableValues[], placed: readonly TableValues[], edges: readonly [string, string][]): void {
  if (placing.length === 0) return;
  const blocks = components(placing, edges).map((group) => (group.length <= DAGRE_LIMIT ? layoutGroup(group, edges) : gridGroup(group, edges)));
  // Shelf packing: rows about as wide as the whole is tall, so a big import comes out roughly square.
  const area = blocks.reduce((sum, b) => sum + (b.width + GAP) * (b.height + GAP), 0);
  const rowWidth = Math.max(Math.sqrt(area) * 1.5, ...blocks.map((b) => b.width));
  const right = placed.reduce((max, t) => Math.max(max, t.x + TABLE_WIDTH), Number.NEGATIVE_INFINITY);
  const top = placed.reduce((min, t) => Math.min(min, t.y), Number.POSITIVE_INFINITY);
  const originX = Number.isFinite(right) ? Math.round(right + GAP) : 0;
  let x = 0;
  let y = Number.isFinite(top) ? Math.round(top) : 0;
  let rowHeight = 0;
  blocks.sort((a, b) => b.height - a.height);
  for (const block of blocks) {
    if (x > 0 && x + block.width > rowWidth) {
      x = 0;
      y += rowHeight + GAP;
      rowHeight = 0;
    }
    for (const table of block.tables) {
      table.x += originX + x;
      table.y += y;
    }
    x += block.width + GAP;
    rowHeight = Math.max(rowHeight, block.height);
  }
}

/** Lays one connected group out with dagre; its tables get coordinates relative to the group's corner. */
function layoutGroup(tables: TableValues[], edges: readonly [string, string][]): Block {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: GAP / 2, ranksep: GAP, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(tables.map((t) => t.id));
  for (const table of tables) graph.setNode(table.id, { width: TABLE_WIDTH, height: tableHeight(table.columns.length) });
  for (const [from, to] of edges) if (from !== to && ids.has(from) && ids.has(to)) graph.setEdge(to, from);
  dagre.layout(graph);
  let width = 0;
  let height = 0;
  for (const table of tables) {
    const node = graph.node(table.id);
    // dagre gives centres; the diagram stores top-left corners.
    table.x = Math.round(node.x - node.width / 2);
    table.y = Math.round(node.y - node.height / 2);
    width = Math.max(width, table.x + node.width);
    height = Math.max(height, table.y + node.height);
  }
  return { tables, width, height };
}

/** A large group as a grid in order of rank (longest chain of references), then name. */
function gridGroup(tables: TableValues[], edges: readonly [string, string][]): Block {
  const rank = new Map(tables.map((t) => [t.id, 0]));
  // Longest path by relaxation; a cycle stops growing after one round per table.
  for (let round = 0; round < tables.length; round++) {
    let moved = false;
    for (const [from, to] of edges) {
      if (from === to || !rank.has(from) || !rank.has(to)) continue;
      const wanted = (rank.get(to) as number) + 1;
      if ((rank.get(from) as number) < wanted && wanted <= tables.length) {
        rank.set(from, wanted);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const ordered = [...tables].sort((a, b) => (rank.get(a.id) as number) - (rank.get(b.id) as number) || a.name.localeCompare(b.name));
  const perRow = Math.ceil(Math.sqrt(ordered.length));
  let y = 0;
  let width = 0;
  for (let start = 0; start < ordered.length; start += perRow) {
    const row = ordered.slice(start, start + perRow);
    row.forEach((table, i) => {
      table.x = i * (TABLE_WIDTH + GAP);
      table.y = y;
    });
    width = Math.max(width, row.length * (TABLE_WIDTH + GAP) - GAP);
    y += Math.max(...row.map((t) => tableHeight(t.columns.length))) + GAP;
  }
  return { tables, width, height: y - GAP };
}

/** Tables grouped by the foreign keys between them (union-find). */
function components(tables: TableValues[], edges: readonly [string, string][]): TableValues[][] {
  const parent = new Map(tables.map((t) => [t.id, t.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(id, root);
    return root;
  };
  for (const [a, b] of edges) if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b));
  const groups = new Map<string, TableValues[]>();
  for (const table of tables) {
    const root = find(table.id);
    groups.set(root, [...(groups.get(root) ?? []), table]);
  }
  return [...groups.values()];
}
