import { useState, type FormEvent } from "react";
import { ApiError, api, send } from "../api.ts";

const FORMATS = ["postgres", "mysql", "sqlite", "mssql", "dbml"] as const;
type Format = (typeof FORMATS)[number];
const EXTENSION: Record<Format | "json", string> = { postgres: "sql", mysql: "sql", sqlite: "sql", mssql: "sql", dbml: "dbml", json: "json" };

/** Export the schema as SQL DDL, DBML or JSON; import DDL or DBML into the live diagram. */
export function ImportExport({ diagramId, readOnly, onError }: { diagramId: string; readOnly: boolean; onError: (m: string) => void }) {
  const [importing, setImporting] = useState(false);
  const exportAs = async (format: Format | "json") => {
    try {
      const response = await send("GET", `/api/diagrams/${diagramId}/export?format=${format}`);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      // The server names the file after the diagram; this is the fallback.
      const named = response.headers.get("content-disposition")?.match(/filename="?([^";]+)"?/)?.[1];
      a.download = named ?? `diagram.${format === "json" ? "json" : `${format}.${EXTENSION[format]}`}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      onError(e instanceof ApiError && e.status === 404 ? "This server does not offer export yet." : e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <select
        aria-label="Export"
        value=""
        onChange={(e) => {
          if (e.target.value) void exportAs(e.target.value as Format | "json");
        }}
      >
        <option value="">Export…</option>
        {[...FORMATS, "json" as const].map((f) => (
          <option key={f} value={f}>
            {f === "json" ? "JSON" : f === "dbml" ? "DBML" : `SQL (${f})`}
          </option>
        ))}
      </select>
      {!readOnly && <button onClick={() => setImporting(true)}>Import</button>}
      {importing && <ImportDialog diagramId={diagramId} onClose={() => setImporting(false)} />}
    </>
  );
}

interface ImportResult {
  tables: { added: string[]; changed: string[]; kept: string[]; removed: string[] };
  relationships: { added: number; changed: number; kept: number; removed: number };
  skipped: { line?: number; statement: string; reason: string }[];
}

function ImportDialog({ diagramId, onClose }: { diagramId: string; onClose: () => void }) {
  const [format, setFormat] = useState<Format>("postgres");
  const [mode, setMode] = useState<"merge" | "replace">("merge");
  const [source, setSource] = useState("");
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<ImportResult>("POST", `/api/diagrams/${diagramId}/import`, { format, source, mode });
      const t = r.tables;
      setResult(
        `Imported: ${t.added.length} tables added, ${t.changed.length} changed, ${t.removed.length} removed, ${r.relationships.added} relationships added.` +
          (r.skipped.length > 0 ? ` Skipped ${r.skipped.length} statements the diagram has no place for (${r.skipped.slice(0, 3).map((s) => s.reason).join("; ")}).` : ""),
      );
    } catch (e) {
      if (e instanceof ApiError) {
        const { line, column } = e.details;
        setError(e.status === 404 && e.code === "not_found" && !line ? "This server does not offer import yet." : `${e.message}${typeof line === "number" ? ` (line ${line}${typeof column === "number" ? `, column ${column}` : ""})` : ""}`);
      } else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="import-title" onSubmit={submit}>
        <h2 id="import-title">Import a schema</h2>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f === "dbml" ? "DBML" : `SQL (${f})`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Source
          <textarea value={source} onChange={(e) => setSource(e.target.value)} rows={12} placeholder="CREATE TABLE …" autoFocus />
        </label>
        <label>
          <input type="file" aria-label="Read from a file" onChange={(e) => void e.target.files?.[0]?.text().then(setSource)} />
        </label>
        <fieldset>
          <legend>How</legend>
          <label>
            <input type="radio" checked={mode === "merge"} onChange={() => setMode("merge")} /> Merge into the diagram
          </label>
          <label>
            <input type="radio" checked={mode === "replace"} onChange={() => setMode("replace")} /> Replace the diagram
          </label>
        </fieldset>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {result && (
          <p role="status" className="notice">
            {result}
          </p>
        )}
        <p className="actions">
          <button type="button" onClick={onClose}>
            {result ? "Close" : "Cancel"}
          </button>
          <button type="submit" className="primary" disabled={busy || !source.trim()}>
            Import
          </button>
        </p>
      </form>
    </div>
  );
}
