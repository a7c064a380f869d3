import { useState, type FormEvent } from "react";
import type { LiveShareClient } from "liveshare/client";
import { applyStep } from "../editor/apply-step.ts";
import { CARDINALITIES, type Cardinality, type ColumnJson, type GraphOperation, type SchemaJson, type TableJson } from "../schema.ts";
import type { Selection } from "../canvas/Canvas.tsx";

interface InspectorProps {
  client: LiveShareClient;
  schema: SchemaJson;
  selection: Selection;
  readOnly: boolean;
  onError: (message: string) => void;
}

const CARDINALITY_WORDS: Record<Cardinality, string> = { one_to_one: "One to one", one_to_many: "One to many", many_to_many: "Many to many" };

/** The selected table's or relationship's details, editable field by field. */
export function Inspector({ client, schema, selection, readOnly, onError }: InspectorProps) {
  const apply = (op: GraphOperation) => applyStep(client, op, onError);
  const table = selection.tables.length === 1 ? schema.tables.find((t) => t.id === selection.tables[0]) : undefined;
  const relationship = !table && selection.relationships.length === 1 ? schema.relationships.find((r) => r.id === selection.relationships[0]) : undefined;

  if (table) return <TableInspector key={table.id} table={table} readOnly={readOnly} apply={apply} />;
  if (relationship) {
    const from = schema.tables.find((t) => t.id === relationship.from_table);
    const to = schema.tables.find((t) => t.id === relationship.to_table);
    const names = (t: TableJson | undefined, ids: string[]) => ids.map((id) => t?.columns.find((c) => c.id === id)?.name ?? "?").join(", ");
    return (
      <aside className="inspector" aria-label="Relationship">
        <h2>Relationship</h2>
        <p>
          <strong>{from?.name}</strong> ({names(from, relationship.from_columns)}) → <strong>{to?.name}</strong> ({names(to, relationship.to_columns)})
        </p>
        <label>
          Cardinality
          <select
            value={relationship.cardinality}
            disabled={readOnly}
            onChange={(e) => apply({ type: "UpdateRelationship", relationship_id: relationship.id, cardinality: e.target.value as Cardinality })}
          >
            {CARDINALITIES.map((c) => (
              <option key={c} value={c}>
                {CARDINALITY_WORDS[c]}
              </option>
            ))}
          </select>
        </label>
        {!readOnly && (
          <button className="danger" onClick={() => apply({ type: "DeleteRelationship", relationship_id: relationship.id })}>
            Delete relationship
          </button>
        )}
      </aside>
    );
  }
  return (
    <aside className="inspector" aria-label="Details">
      <h2>{schema.tables.length === 1 ? "1 table" : `${schema.tables.length} tables`}</h2>
      <p className="hint">
        {readOnly
          ? "Select a table to see its columns."
          : "Select a table to edit it. Drag from a column's dot to another column to relate them. Delete removes what is selected; Ctrl+Z undoes your last change."}
      </p>
    </aside>
  );
}

function TableInspector({ table, readOnly, apply }: { table: TableJson; readOnly: boolean; apply: (op: GraphOperation) => void }) {
  const [newColumn, setNewColumn] = useState({ name: "", type: "text" });
  const rename = (name: string) => {
    if (name.trim() && name.trim() !== table.name) apply({ type: "RenameTable", table_id: table.id, name: name.trim() });
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    if (!newColumn.name.trim()) return;
    apply({ type: "AddColumn", table_id: table.id, column: { name: newColumn.name.trim(), type: newColumn.type.trim() || "text", nullable: true, primary_key: false, unique: false } });
    setNewColumn({ name: "", type: newColumn.type });
  };
  return (
    <aside className="inspector" aria-label={`Table ${table.name}`}>
      <h2>Table</h2>
      <label>
        Name
        <input
          key={table.name}
          defaultValue={table.name}
          readOnly={readOnly}
          aria-label="Table name"
          onBlur={(e) => rename(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && rename(e.currentTarget.value)}
          maxLength={255}
        />
      </label>
      <h3>Columns</h3>
      <ol className="column-editor">
        {table.columns.map((column, index) => (
          <ColumnRow key={column.id} tableId={table.id} column={column} index={index} count={table.columns.length} readOnly={readOnly} apply={apply} />
        ))}
      </ol>
      {!readOnly && (
        <>
          <form className="add-column" onSubmit={add}>
            <input aria-label="New column name" placeholder="column name" value={newColumn.name} onChange={(e) => setNewColumn({ ...newColumn, name: e.target.value })} maxLength={255} />
            <input aria-label="New column type" placeholder="type" value={newColumn.type} onChange={(e) => setNewColumn({ ...newColumn, type: e.target.value })} maxLength={255} />
            <button type="submit" disabled={!newColumn.name.trim()}>
              Add column
            </button>
          </form>
          <button className="danger" onClick={() => apply({ type: "DeleteTable", table_id: table.id })}>
            Delete table
          </button>
        </>
      )}
    </aside>
  );
}

function ColumnRow(props: { tableId: string; column: ColumnJson; index: number; count: number; readOnly: boolean; apply: (op: GraphOperation) => void }) {
  const { tableId, column, index, count, readOnly, apply } = props;
  const update = (changes: Partial<Pick<ColumnJson, "name" | "type" | "nullable" | "primary_key" | "unique">>) =>
    apply({ type: "UpdateColumn", table_id: tableId, column_id: column.id, column: changes });
  const text = (field: "name" | "type") => ({
    key: `${field}:${column[field]}`,
    defaultValue: column[field],
    readOnly,
    maxLength: 255,
    onBlur: (e: React.FocusEvent<HTMLInputElement>) => {
      const value = e.target.value.trim();
      if (value && value !== column[field]) update({ [field]: value });
    },
    onKeyDown: (e: React.KeyboardEvent<HTMLInputElement>) => {
      if (e.key === "Enter") e.currentTarget.blur();
    },
  });
  // Uncontrolled, like the text fields: the diagram re-renders on the next animation frame, and a
  // controlled box would be put back by React until then (a click that seems not to take).
  const flag = (field: "primary_key" | "unique" | "nullable", label: string, short: string) => (
    <label className="flag" title={label}>
      <input
        key={`${field}:${column[field]}`}
        type="checkbox"
        defaultChecked={column[field]}
        disabled={readOnly}
        onChange={(e) => update({ [field]: e.target.checked })}
        aria-label={`${column.name}: ${label}`}
      />
      {short}
    </label>
  );
  return (
    <li className="column-row" data-column={column.name}>
      <input {...text("name")} aria-label={`Column ${index + 1} name`} className="col-name" />
      <input {...text("type")} aria-label={`${column.name} type`} className="col-type" />
      {flag("primary_key", "primary key", "PK")}
      {flag("unique", "unique", "UQ")}
      {flag("nullable", "nullable", "Null")}
      {!readOnly && (
        <span className="row-actions">
          <button disabled={index === 0} onClick={() => apply({ type: "MoveColumn", table_id: tableId, column_id: column.id, index: index - 1 })} aria-label={`Move ${column.name} up`}>
            ↑
          </button>
          <button disabled={index === count - 1} onClick={() => apply({ type: "MoveColumn", table_id: tableId, column_id: column.id, index: index + 1 })} aria-label={`Move ${column.name} down`}>
            ↓
          </button>
          <button className="danger" onClick={() => apply({ type: "DeleteColumn", table_id: tableId, column_id: column.id })} aria-label={`Delete column ${column.name}`}>
            ✕
          </button>
        </span>
      )}
    </li>
  );
}
