import { useReactFlow } from "@xyflow/react";
import type { LiveShareClient } from "liveshare/client";
import type { SchemaJson } from "../schema.ts";
import { useUndoState } from "../editor/hooks.ts";
import { applyStep } from "../editor/apply-step.ts";

/** Editing actions on the canvas: add a table where one is looking, undo, redo. */
export function Toolbar({ client, schema, onError }: { client: LiveShareClient; schema: SchemaJson; onError: (message: string) => void }) {
  const flow = useReactFlow();
  const { canUndo, canRedo } = useUndoState(client);
  const addTable = () => {
    const names = new Set(schema.tables.map((t) => t.name));
    let n = schema.tables.length + 1;
    while (names.has(`table_${n}`)) n++;
    const box = document.querySelector(".canvas")?.getBoundingClientRect();
    const at = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2 - 100, y: box.top + box.height / 2 - 60 }) : { x: 0, y: 0 };
    applyStep(
      client,
      {
        type: "CreateTable",
        name: `table_${n}`,
        x: Math.round(at.x),
        y: Math.round(at.y),
        columns: [{ name: "id", type: "uuid", primary_key: true, nullable: false }],
      },
      onError,
    );
  };
  return (
    <div className="toolbar" role="toolbar" aria-label="Editing">
      <button onClick={addTable}>+ Table</button>
      <button onClick={() => client.undo()} disabled={!canUndo} title="Undo your last change (Ctrl+Z)">
        Undo
      </button>
      <button onClick={() => client.redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
        Redo
      </button>
    </div>
  );
}
