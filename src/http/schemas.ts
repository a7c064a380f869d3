/**
 * The REST API's shared request and response schemas: they validate, type the handlers and generate
 * the OpenAPI document's components. Field names are snake_case, times ISO 8601 UTC strings.
 */
import { z } from "./openapi.ts";
import { uuid } from "./openapi.ts";
import { schemaJson } from "../schema-doc/json-form.ts";

export { uuid };

/** A display name: PostgreSQL text cannot hold NUL, so it is refused here rather than failing there (500). */
export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((s) => !s.includes("\0"), "must not contain NUL characters");

const time = z.string().openapi({ format: "date-time", example: "2026-11-27T10:51:13.792Z" });
export const roleSchema = z.enum(["owner", "editor", "viewer"]).openapi("Role", { description: "owner; editor (share or link `edit`); viewer (`view`)" });
export const permissionSchema = z.enum(["view", "edit"]).openapi("Permission");
export const linkAccessSchema = z
  .enum(["none", "view", "edit"])
  .openapi("LinkAccess", { description: "What the diagram's link gives anyone signed in who opens it; combined with a share as the higher of the two" });

export const diagramSchema = z
  .object({
    id: z.string().openapi({ format: "uuid" }),
    name: z.string(),
    owner_id: z.string().openapi({ format: "uuid" }),
    link_access: linkAccessSchema,
    created_at: time,
    updated_at: time.openapi({ description: "Last rename or edit (edits at minute precision once compacted)" }),
    role: roleSchema.openapi({ description: "The caller's role" }),
    active_room_id: z.string().nullable().openapi({ description: "The live session's room id, when there is one" }),
  })
  .openapi("Diagram");

export const listedDiagramSchema = diagramSchema
  .extend({ access: z.enum(["owner", "share", "link"]).openapi({ description: "Where the caller's role comes from" }) })
  .openapi("ListedDiagram");

export const shareSchema = z
  .object({
    user_id: z.string().openapi({ format: "uuid" }),
    name: z.string().nullable().openapi({ description: "The user's name, when the user has signed in to this server" }),
    permission: permissionSchema,
    created_at: time,
  })
  .openapi("Share");

export const userSchema = z.object({ user_id: z.string().openapi({ format: "uuid" }), name: z.string() }).openapi("User");

export const sessionSchema = z
  .object({
    room_id: z.string().openapi({ format: "uuid" }),
    diagram_id: z.string().openapi({ format: "uuid" }),
    owner_id: z.string().openapi({ format: "uuid" }),
    created_at: time,
    ended_at: time.nullable(),
    active: z.boolean(),
    share_link: z.string().openapi({ example: "/editor/0b5d3c52-3f4e-4c1e-9a57-9a0e2d8f0c11?room=6f1c…" }),
  })
  .openapi("Session");

export const presentUserSchema = z
  .object({
    user_id: z.string(),
    name: z.string(),
    connections: z.number().int(),
    read_only: z.boolean(),
    status: z.enum(["active", "idle", "away"]),
  })
  .openapi("PresentUser");

export const diagramSchemaJson = schemaJson
  .extend({ diagram_id: z.string().openapi({ format: "uuid" }), schema_version: z.literal(1) })
  .openapi("DiagramSchema", { description: "Schema document v1 as JSON (see the README)" });
