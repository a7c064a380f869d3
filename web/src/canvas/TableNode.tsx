import { memo } from "react";
import { Handle, Position, useStore, type Node, type NodeProps } from "@xyflow/react";
import type { TableJson } from "../schema.ts";

/** Someone else who has this table selected. */
export interface SelectionMark {
  name: string;
  color: string;
}

export type TableNodeData = {
  table: TableJson;
  /** Ids of this table's columns that reference another table (foreign keys). */
  foreignKeys: ReadonlySet<string>;
  selectedBy: readonly SelectionMark[];
  readOnly: boolean;
  /** Zoomed in enough to show columns (see {@link DETAIL_ZOOM}); one store subscription in the canvas, not one per table. */
  detailed: boolean;
};
export type TableNodeType = Node<TableNodeData, "table">;

/**
 * Handle ids name the column and the side: `${columnId}:in` (left) and `${columnId}:out` (right). All
 * handles are sources (the canvas connects in loose mode), so a relationship can leave a table on
 * whichever side faces the other table.
 */
export const handleId = (columnId: string, side: "in" | "out") => `${columnId}:${side}`;
export const columnOfHandle = (handle: string | null | undefined) => handle?.replace(/:(in|out)$/, "");
/** Below this zoom column rows are too small to read: a table shows its name only, relationships end at the table. */
export const DETAIL_ZOOM = 0.45;
/** The table-level handles used below {@link DETAIL_ZOOM}. */
export const TABLE_IN = "table:in";
export const TABLE_OUT = "table:out";
/** A compact table's fixed size (see styles.css), so its two handles need no measuring. */
export const COMPACT = { width: 220, height: 56 } as const;
/**
 * A compact table's handles, declared on the node rather than rendered: hundreds of tables seen whole
 * would otherwise be hundreds of handle components, each woken by every change on the canvas.
 */
export const COMPACT_HANDLES = [
  { id: TABLE_IN, type: "source" as const, position: Position.Left, x: 0, y: COMPACT.height / 2, width: 1, height: 1 },
  { id: TABLE_OUT, type: "source" as const, position: Position.Right, x: COMPACT.width, y: COMPACT.height / 2, width: 1, height: 1 },
];
/** True while the canvas is zoomed in enough to show columns; changes only when the threshold is crossed. */
export const useDetailed = () => useStore((s) => s.transform[2] >= DETAIL_ZOOM);

/** A table as a card: its name, then one row per column with type and PK / UQ / FK / NULL markers. */
export const TableNode = memo(function TableNode({ data, selected }: NodeProps<TableNodeType>) {
  const { table, foreignKeys, selectedBy, readOnly, detailed } = data;
  const outline = selectedBy[0]?.color;
  // A 500-table diagram seen whole would be tens of thousands of elements for text nobody can read.
  if (!detailed) {
    return (
      <div
        className={`table-node compact${selected ? " selected" : ""}`}
        style={outline ? { boxShadow: `0 0 0 6px ${outline}` } : undefined}
        data-table={table.name}
        aria-label={`Table ${table.name}, ${table.columns.length} columns`}
      >
        <div className="table-head" style={table.color ? { background: table.color } : undefined}>
          <span className="table-name">{table.name}</span>
        </div>
      </div>
    );
  }
  return (
    <div
      className={`table-node${selected ? " selected" : ""}`}
      style={outline ? { boxShadow: `0 0 0 3px ${outline}` } : undefined}
      data-table={table.name}
      aria-label={`Table ${table.name}, ${table.columns.length} columns`}
    >
      <div className="table-head" style={table.color ? { background: table.color } : undefined}>
        <span className="table-name">{table.name}</span>
        {selectedBy.map((p) => (
          <span key={p.name} className="selected-by" style={{ background: p.color }} title={`${p.name} has this table selected`}>
            {p.name}
          </span>
        ))}
      </div>
      <ul className="columns">
        {table.columns.length === 0 && <li className="column empty">no columns</li>}
        {table.columns.map((column) => (
          <li key={column.id} className="column" data-column={column.name}>
            <Handle type="source" position={Position.Left} id={handleId(column.id, "in")} isConnectable={!readOnly} />
            <span className="column-keys">
              {column.primary_key && <abbr title="primary key" className="mark pk">PK</abbr>}
              {foreignKeys.has(column.id) && <abbr title="foreign key" className="mark fk">FK</abbr>}
              {column.unique && !column.primary_key && <abbr title="unique" className="mark uq">UQ</abbr>}
            </span>
            <span className="column-name">{column.name}</span>
            <span className="column-type">
              {column.type}
              {column.nullable && !column.primary_key && <abbr title="nullable" className="mark null">NULL</abbr>}
            </span>
            <Handle type="source" position={Position.Right} id={handleId(column.id, "out")} isConnectable={!readOnly} />
          </li>
        ))}
      </ul>
    </div>
  );
});
