import { memo } from "react";
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
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
};
export type TableNodeType = Node<TableNodeData, "table">;

/** Handle ids name the column and the side: `${columnId}:in` (left) and `${columnId}:out` (right). */
export const handleId = (columnId: string, side: "in" | "out") => `${columnId}:${side}`;
export const columnOfHandle = (handle: string | null | undefined) => handle?.replace(/:(in|out)$/, "");

/** A table as a card: its name, then one row per column with type and PK / UQ / FK / NULL markers. */
export const TableNode = memo(function TableNode({ data, selected }: NodeProps<TableNodeType>) {
  const { table, foreignKeys, selectedBy, readOnly } = data;
  const outline = selectedBy[0]?.color;
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
            <Handle type="target" position={Position.Left} id={handleId(column.id, "in")} isConnectable={!readOnly} />
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
