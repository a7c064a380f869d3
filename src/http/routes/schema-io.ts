import * as Y from "yjs";
import type { Core } from "../../core.ts";
import { readDiagramSchema } from "../../rooms/read-schema.ts";
import { readSchema, type SchemaJson } from "../../schema-doc/index.ts";
import { diffSchemas } from "../../schema-io/diff.ts";
import { migrationSql } from "../../schema-io/ddl/migration.ts";
import { exportSchema, extensionOf } from "../../schema-io/export.ts";
import { importIntoDiagram } from "../../schema-io/live-import.ts";
import { IMPORT_MODES, ImportRejected, type SchemaValues } from "../../schema-io/merge-plan.ts";
import { EXPORT_FORMATS, IMPORT_FORMATS, SchemaParseError } from "../../schema-io/model.ts";
import type { Role } from "../../storage/diagrams.ts";
import type { AppEnv } from "../app-env.ts";
import { ErrorCode, HttpError, forbidden, notFound } from "../errors.ts";
import { bearer, createRoute, errors, json, jsonBody, router, z } from "../openapi.ts";
import { uuid } from "../schemas.ts";

// Listed with the other diagram operations (the docs page shows a fixed set of tags).
const tags = ["Diagrams"];
const diagramParams = z.object({ id: uuid("The diagram's id") });

/** The largest source an import takes: the request body limit (1 MiB) holds it with its JSON around it. */
const MAX_SOURCE = 1024 * 1024;

export const importBody = z
  .strictObject({
    format: z.enum(IMPORT_FORMATS).openapi({ description: "The source's language" }),
    source: z.string().min(1).max(MAX_SOURCE).openapi({ description: "DDL or DBML text", example: "CREATE TABLE users (id bigint PRIMARY KEY);" }),
    mode: z.enum(IMPORT_MODES).default("merge").openapi({
      description: "`merge`: tables and columns matching by name keep their ids; the diagram's other tables stay. `replace`: what the source does not declare is removed.",
    }),
  })
  .openapi("ImportRequest");

const counts = z.object({ added: z.number().int(), changed: z.number().int(), kept: z.number().int(), removed: z.number().int() });
export const importResult = z
  .object({
    mode: z.enum(IMPORT_MODES),
    tables: z.object({ added: z.array(z.string()), changed: z.array(z.string()), kept: z.array(z.string()), removed: z.array(z.string()) }).openapi({ description: "Table names" }),
    columns: counts,
    relationships: counts,
    skipped: z
      .array(z.object({ line: z.number().int().optional(), statement: z.string(), reason: z.string() }))
      .openapi({ description: "Statements and clauses the diagram has no place for (views, functions, triggers, CHECKs, data, …): skipped, not refused" }),
    elements_changed: z.number().int().openapi({ description: "Tables and relationships written (0: the diagram already matched)" }),
  })
  .openapi("ImportResult");

export const parseErrorSchema = z
  .object({
    error: z.object({
      code: z.literal("parse_error"),
      message: z.string(),
      line: z.number().int().openapi({ description: "1-based" }),
      column: z.number().int().openapi({ description: "1-based" }),
    }),
  })
  .openapi("ParseError");

export const exportQuery = z.object({ format: z.enum(EXPORT_FORMATS).openapi({ description: "A SQL dialect, `dbml`, or `json` (schema document v1)" }) });

export const diffQuery = z.object({
  from: uuid("A snapshot of this diagram (see the session's snapshots)"),
  to: z
    .union([z.literal("live"), uuid("A snapshot of this diagram")])
    .default("live")
    .openapi({ description: "A snapshot id, or `live` (the default) for the diagram as it is now" }),
  format: z.enum(["json", "postgres", "mysql"]).default("json").openapi({ description: "`json`: the changes; `postgres` / `mysql`: the migration from `from` to `to`" }),
});

const rename = z.object({ id: z.string(), from: z.string(), to: z.string() });
export const diffResult = z
  .object({
    diagram_id: z.string(),
    from: z.string(),
    to: z.string(),
    changed: z.boolean(),
    tables: z.object({
      added: z.array(z.object({ id: z.string(), name: z.string() }).passthrough()),
      removed: z.array(z.object({ id: z.string(), name: z.string() }).passthrough()),
      renamed: z.array(rename),
      recommented: z.array(z.object({ id: z.string(), name: z.string(), from: z.string().optional(), to: z.string().optional() })),
    }),
    columns: z.object({
      added: z.array(z.object({ id: z.string(), name: z.string(), table_id: z.string(), table: z.string() }).passthrough()),
      removed: z.array(z.object({ id: z.string(), name: z.string(), table_id: z.string(), table: z.string() }).passthrough()),
      renamed: z.array(rename.extend({ table_id: z.string(), table: z.string() })),
      changed: z.array(z.object({ id: z.string(), table_id: z.string(), name: z.string(), fields: z.array(z.string()) }).passthrough()),
    }),
    relationships: z.object({
      added: z.array(z.object({ id: z.string() }).passthrough()),
      removed: z.array(z.object({ id: z.string() }).passthrough()),
      changed: z.array(z.object({ id: z.string() }).passthrough()),
    }),
  })
  .openapi("SchemaDiff");

const text = (description: string) => ({ description, content: { "text/plain": { schema: z.string() } } });

const importRoute = createRoute({
  method: "post",
  path: "/{id}/import",
  operationId: "importSchema",
  tags,
  summary: "Import DDL or DBML into the live diagram (owner or editor)",
  description:
    "Parses the source and applies it to the live document as one change that every connected client receives; durable before the answer. " +
    "A source that does not parse gets 400 `parse_error` with `line` and `column`, and nothing changes.",
  security: bearer,
  request: { params: diagramParams, body: jsonBody(importBody) },
  responses: {
    200: json(importResult, "What was added, changed, kept, removed and skipped"),
    400: { description: "Invalid request (`validation_failed`, …) or a source that does not parse (`parse_error`, with line and column)", content: { "application/json": { schema: z.union([parseErrorSchema, z.object({ error: z.object({ code: z.string(), message: z.string() }) })]) } } },
    ...errors(401, 403, 404, 413, 415),
  },
});

const exportRoute = createRoute({
  method: "get",
  path: "/{id}/export",
  operationId: "exportSchema",
  tags,
  summary: "The diagram as DDL, DBML or JSON (anyone with access)",
  description: "DDL the target database accepts: tables in dependency order, foreign keys that close a cycle added afterwards, names quoted where needed.",
  security: bearer,
  request: { params: diagramParams, query: exportQuery },
  responses: {
    200: { description: "The export (text/plain for DDL and DBML, application/json for json)", content: { "text/plain": { schema: z.string() }, "application/json": { schema: z.object({}).passthrough() } } },
    ...errors(400, 401, 403, 404),
  },
});

const diffRoute = createRoute({
  method: "get",
  path: "/{id}/diff",
  operationId: "diffSchema",
  tags,
  summary: "What changed between two versions, or the migration between them",
  description: "Tables, columns and relationships added, removed, renamed and changed — matched by id, so a rename is a rename. With a SQL format, the migration that takes a database from `from` to `to`.",
  security: bearer,
  request: { params: diagramParams, query: diffQuery },
  responses: { 200: { ...json(diffResult, "The changes (json) or the migration (SQL)"), content: { "application/json": { schema: diffResult }, "text/plain": { schema: z.string() } } }, ...errors(400, 401, 403, 404) },
});

/** Import, export and diff of a diagram's schema. Mounted under /api/diagrams. */
export function schemaIoRoutes(core: Core) {
  const requireRole = async (diagramId: string, userId: string, allowed: readonly Role[]) => {
    const diagram = await core.diagrams.get(diagramId);
    if (!diagram) throw notFound("diagram");
    const role = await core.diagrams.roleOf(diagramId, userId);
    if (!role) throw forbidden("no access to this diagram");
    if (!allowed.includes(role)) throw forbidden(`this needs one of: ${allowed.join(", ")}`);
    return diagram;
  };

  /** A snapshot of `diagramId` as JSON; 404 when there is none such for this diagram. */
  const snapshotSchema = async (diagramId: string, snapshotId: string): Promise<SchemaJson> => {
    const row = await core.snapshotStore.data(snapshotId);
    if (!row || row.diagram_id !== diagramId) throw notFound(`snapshot ${snapshotId}`);
    const snapshot = await core.snapshots.load(row);
    if (!snapshot) throw notFound(`snapshot ${snapshotId}`);
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, snapshot.data);
      return readSchema(doc);
    } finally {
      doc.destroy();
    }
  };

  return router<AppEnv>()
    .openapi(importRoute, async (c) => {
      const { id } = c.req.valid("param");
      const request = c.req.valid("json");
      const userId = c.get("identity").userId;
      await requireRole(id, userId, ["owner", "editor"]);
      try {
        return c.json(await importIntoDiagram(core, id, userId, request), 200);
      } catch (error) {
        if (error instanceof SchemaParseError) {
          return c.json({ error: { code: "parse_error" as const, message: error.message, line: error.line, column: error.column } }, 400);
        }
        if (error instanceof ImportRejected) throw new HttpError(400, ErrorCode.ValidationFailed, error.message);
        throw error;
      }
    })
    .openapi(exportRoute, async (c) => {
      const { id } = c.req.valid("param");
      const { format } = c.req.valid("query");
      const diagram = await requireRole(id, c.get("identity").userId, ["owner", "editor", "viewer"]);
      const schema = await readDiagramSchema(core, id);
      const file = `${diagram.name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100) || "diagram"}.${extensionOf(format)}`;
      c.header("content-disposition", `attachment; filename="${file}"`);
      if (format === "json") return c.json(schema, 200);
      return c.text(exportSchema(withoutVersions(schema), format), 200);
    })
    .openapi(diffRoute, async (c) => {
      const { id } = c.req.valid("param");
      const query = c.req.valid("query");
      await requireRole(id, c.get("identity").userId, ["owner", "editor", "viewer"]);
      const from = withoutVersions(await snapshotSchema(id, query.from));
      const to = withoutVersions(query.to === "live" ? await readDiagramSchema(core, id) : await snapshotSchema(id, query.to));
      const diff = diffSchemas(from, to);
      if (query.format === "json") return c.json({ diagram_id: id, from: query.from, to: query.to, ...diff }, 200);
      return c.text(migrationSql(diff, from, to, query.format), 200);
    });
}

/** The diagram without per-element versions: what exports and diffs compare. */
function withoutVersions(schema: SchemaJson): SchemaValues {
  return {
    tables: schema.tables.map(({ version: _v, ...table }) => table),
    relationships: schema.relationships.map(({ version: _v, ...relationship }) => relationship),
  };
}
