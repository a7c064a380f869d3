import * as Y from "yjs";
import { applyOperation, readSchema } from "../../src/schema-doc/index.ts";
import type { Database } from "../../src/storage/database.ts";
import { DocumentStore } from "../../src/storage/documents.ts";
import type { TestServer } from "./server.ts";
import type { Actors } from "./users.ts";

/** The four kinds of authenticated caller, plus "none" (no token at all). */
export type RoleName = keyof Actors | "none";
export const ROLES: readonly RoleName[] = ["owner", "editor", "viewer", "stranger", "none"];

export function tokenOf(who: Actors, role: RoleName): string | undefined {
  return role === "none" ? undefined : who[role].token;
}

/**
 * Everything stored about a diagram, as one comparable string: the diagram row, its shares and
 * sessions, and what its stored document holds. The document is compared by content (every shared
 * type as JSON, plus its state vector and delete set), not by bytes: compaction may rewrite the
 * stored bytes at any time without changing what they say.
 */
export async function storedState(db: Database, diagramId: string): Promise<string> {
  const q = (sql: string) => db.query(sql, [diagramId]);
  return JSON.stringify({
    diagram: await q("SELECT id, name, owner_id, updated_at::text FROM diagrams WHERE id = $1"),
    shares: await q("SELECT user_id, permission FROM diagram_shares WHERE diagram_id = $1 ORDER BY user_id"),
    sessions: await q("SELECT id, ended_at::text, owner_id FROM liveshare_sessions WHERE diagram_id = $1 ORDER BY id"),
    document: await storedDocument(db, diagramId),
  });
}

/** The stored document's content: shared types as JSON, and its snapshot (state vector + delete set). */
export async function storedDocument(db: Database, diagramId: string): Promise<unknown> {
  const stored = await new DocumentStore(db).load(diagramId);
  const doc = new Y.Doc();
  if (stored.update) Y.applyUpdate(doc, stored.update);
  try {
    return {
      skipped: stored.skipped,
      snapshot: Buffer.from(Y.encodeSnapshot(Y.snapshot(doc))).toString("hex"),
      // The schema document's maps as JSON; anything else written anywhere shows in the snapshot.
      shared: Object.fromEntries(["tables", "relationships", "meta"].map((name) => [name, doc.getMap(name).toJSON()])),
    };
  } finally {
    doc.destroy();
  }
}

/** Adds a table through the schema-doc API (as an editor's client would) and returns its id. */
export function addTable(doc: Y.Doc, name: string): string {
  const { op } = applyOperation(doc, { type: "CreateTable", name, x: 0, y: 0 }, "test");
  return (op as { table_id: string }).table_id;
}

export function tableNames(doc: Y.Doc): string[] {
  return readSchema(doc)
    .tables.map((t) => t.name)
    .sort();
}

/** The room's document as the server holds it in memory (undefined when not loaded). */
export function serverDoc(server: TestServer, roomId: string): Y.Doc | undefined {
  return server.liveshare.core.rooms.get(roomId);
}
