/**
 * Schema document v1's JSON form (`types.ts`) as zod schemas: for documentation — the OpenAPI
 * document and the JSON protocol's JSON Schema — not for validating input (operations do that).
 * The type assertions at the end keep these and the TypeScript types the same shape.
 */
import { z } from "zod";
import { CARDINALITIES, REFERENTIAL_ACTIONS, type ColumnJson, type RelationshipJson, type SchemaJson, type TableJson } from "./types.ts";

export const columnJson = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  primary_key: z.boolean(),
  unique: z.boolean(),
  default: z.string().optional(),
  comment: z.string().optional(),
});

const version = z.number().int().describe("The room-wide version of the element's last change (1 for elements unchanged since the room loaded)");

export const tableJson = z.object({
  id: z.string(),
  name: z.string(),
  x: z.number(),
  y: z.number(),
  color: z.string().optional(),
  comment: z.string().optional(),
  columns: z.array(columnJson),
  version,
});

export const relationshipJson = z.object({
  id: z.string(),
  from_table: z.string(),
  from_columns: z.array(z.string()),
  to_table: z.string(),
  to_columns: z.array(z.string()),
  cardinality: z.enum(CARDINALITIES),
  on_delete: z.enum(REFERENTIAL_ACTIONS).optional(),
  on_update: z.enum(REFERENTIAL_ACTIONS).optional(),
  name: z.string().optional(),
  version,
});

export const schemaJson = z.object({ tables: z.array(tableJson), relationships: z.array(relationshipJson) });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: [Same<z.output<typeof columnJson>, ColumnJson>, Same<z.output<typeof tableJson>, TableJson>, Same<z.output<typeof relationshipJson>, RelationshipJson>, Same<z.output<typeof schemaJson>, SchemaJson>] = [true, true, true, true];
void sameShape;
