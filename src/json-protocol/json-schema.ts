/**
 * The JSON protocol as JSON Schema (draft 2020-12), generated from the zod schemas that validate it
 * (`messages.ts`, the GraphOperations of `schema-doc/operations.ts`) and served at
 * `/api/protocol.schema.json`, so a client in any language can check what it sends and receives.
 */
import { z } from "zod";
import { graphOperationSchema } from "../schema-doc/index.ts";
import { schemaJson } from "../schema-doc/json-form.ts";
import { clientMessageSchema, graphOperation, graphOpPayload, PROTOCOL_VERSION, schemaState, serverMessageSchema } from "./messages.ts";

const ref = (id: string) => `#/$defs/${id}`;

/** The whole protocol in one document: `ClientMessage`, `ServerMessage`, `GraphOperation`, `SchemaState`. */
export function protocolJsonSchema(): Record<string, unknown> {
  const registry = z.registry<{ id: string; description: string }>();
  registry.add(clientMessageSchema, { id: "ClientMessage", description: "A message a client sends, tagged by `type`" });
  registry.add(serverMessageSchema, { id: "ServerMessage", description: "A message the server sends, tagged by `type`" });
  registry.add(graphOperationSchema, { id: "GraphOperation", description: "An edit of the diagram, tagged by `type` (snake_case fields)" });
  registry.add(schemaJson, { id: "SchemaState", description: "A diagram as JSON: tables and relationships, each with its `version`" });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
    uri: ref,
    override(ctx) {
      // The message schemas check these two loosely (the full check runs when they are applied or
      // built); the document gives their real shape.
      if (ctx.zodSchema === schemaState) Object.assign(ctx.jsonSchema, { $ref: ref("SchemaState") });
      if (ctx.zodSchema === graphOperation || ctx.zodSchema === graphOpPayload) Object.assign(ctx.jsonSchema, { $ref: ref("GraphOperation") });
    },
  });
  const defs: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
    defs[id] = rest;
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "liveshare-protocol.schema.json",
    title: `LiveShare JSON protocol v${PROTOCOL_VERSION}`,
    description:
      "Messages on ws://HOST:PORT/api/liveshare/ws, one JSON object per text frame. A frame a client sends is a ClientMessage; " +
      "one the server sends is a ServerMessage. See the README's 'JSON protocol' section for the handshake.",
    "x-protocol-version": PROTOCOL_VERSION,
    oneOf: [{ $ref: ref("ClientMessage") }, { $ref: ref("ServerMessage") }],
    $defs: defs,
  };
}
