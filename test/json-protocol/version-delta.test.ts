/**
 * The version-delta broadcaster driven directly — a Y.Doc, its ElementVersions, and clients that are
 * plain objects — so every rule of docs/SPEC.md JSON-13 to JSON-19 it implements is checked without sockets.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { OriginKind, serverEdit } from "../../src/origins.ts";
import { VersionDeltaBroadcaster, type DeltaClient } from "../../src/json-protocol/version-delta.ts";
import type { ServerMessageOf } from "../../src/json-protocol/messages.ts";
import { applyOperation, buildDiagram, ElementVersions, readSchema, type SchemaJson } from "../../src/schema-doc/index.ts";
import { Random } from "../helpers/random.ts";

type GraphState = ServerMessageOf<"GraphState">;

/** A client that records what it is sent and keeps a replica the way the protocol documents. */
class Recorder implements DeltaClient {
  readonly received: GraphState[] = [];
  readonly replica = new Map<string, { id: string; version: number }>();
  constructor(readonly userId: string) {}
  send(message: GraphState): void {
    this.received.push(message);
    if (message.full) this.replica.clear();
    this.merge(message.state, message.deleted);
  }
  merge(state: SchemaJson, deleted: readonly string[]): void {
    for (const element of [...state.tables, ...state.relationships]) this.replica.set(element.id, element);
    for (const id of deleted) this.replica.delete(id);
  }
  get last(): GraphState | undefined {
    return this.received.at(-1);
  }
  /** The replica as the server would read it. */
  schema(): SchemaJson {
    const all = [...this.replica.values()] as unknown as (SchemaJson["tables"][number] | SchemaJson["relationships"][number])[];
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return {
      tables: all.filter((e): e is SchemaJson["tables"][number] => "columns" in e).sort(byId),
      relationships: all.filter((e): e is SchemaJson["relationships"][number] => "from_table" in e).sort(byId),
    };
  }
}

describe("version-delta broadcaster", () => {
  let doc: Y.Doc;
  let versions: ElementVersions;
  let broadcaster: VersionDeltaBroadcaster;
  let tableIds: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    doc = new Y.Doc();
    ({ tableIds } = buildDiagram(doc, { tables: 100, columnsPerTable: 6, relationships: 80, seed: 3 }));
    versions = new ElementVersions(doc);
    broadcaster = new VersionDeltaBroadcaster({ doc, versions, fullSyncIntervalMs: 20_000 });
  });

  afterEach(() => {
    broadcaster.destroy();
    versions.destroy();
    vi.useRealTimers();
  });

  const someone = { source: "someone else" };
  const rename = (id: string, name: string, origin: unknown = someone) => applyOperation(doc, { type: "RenameTable", table_id: id, name }, origin);

  // SPEC: JSON-13
  it("sends a joining client the whole diagram as one full GraphState", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    expect(client.received).toHaveLength(1);
    expect(client.last).toMatchObject({ type: "GraphState", full: true, target_user_id: "u1", deleted: [] });
    expect(client.last!.state).toEqual(readSchema(doc, (id) => versions.versionOf(id)));
  });

  // SPEC: JSON-13
  it("after one change in a 100-table diagram, sends a client only that element", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    rename(tableIds[42]!, "renamed");
    vi.advanceTimersByTime(150);
    expect(client.received).toHaveLength(2);
    const delta = client.last!;
    expect(delta.full).toBe(false);
    expect(delta.state.tables.map((t) => [t.id, t.name])).toEqual([[tableIds[42], "renamed"]]);
    expect(delta.state.relationships).toEqual([]);
    expect(delta.deleted).toEqual([]);
    expect(delta.version).toBe(versions.current);
  });

  // SPEC: JSON-14
  it("coalesces changes within 150 ms into one delta and drops none of them", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    rename(tableIds[1]!, "a");
    vi.advanceTimersByTime(50);
    rename(tableIds[2]!, "b");
    rename(tableIds[1]!, "a2");
    applyOperation(doc, { type: "MoveTable", table_id: tableIds[3]!, x: 7, y: 8 }, someone);
    vi.advanceTimersByTime(99);
    expect(client.received).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(client.received).toHaveLength(2);
    const names = Object.fromEntries(client.last!.state.tables.map((t) => [t.id, [t.name, t.x, t.y]]));
    expect(Object.keys(names).sort()).toEqual([tableIds[1], tableIds[2], tableIds[3]].sort());
    expect(names[tableIds[1]!]![0]).toBe("a2");
    expect(names[tableIds[3]!]!.slice(1)).toEqual([7, 8]);
  });

  // SPEC: JSON-13
  it("sends a deleted table's id, and the ids of the relationships deleted with it", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    const schema = readSchema(doc);
    const victim = schema.relationships[0]!.to_table;
    const cascaded = schema.relationships.filter((r) => r.from_table === victim || r.to_table === victim).map((r) => r.id);
    expect(cascaded.length).toBeGreaterThan(0);
    applyOperation(doc, { type: "DeleteTable", table_id: victim }, someone);
    vi.advanceTimersByTime(150);
    expect(client.last!.full).toBe(false);
    expect([...client.last!.deleted].sort()).toEqual([victim, ...cascaded].sort());
    expect(client.schema()).toEqual(readSchema(doc, (id) => versions.versionOf(id)));
  });

  // SPEC: JSON-14
  it("sends nothing for an element created and deleted within one window that the client never had", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    const { op } = applyOperation(doc, { type: "CreateTable", name: "fleeting", x: 0, y: 0 }, someone);
    applyOperation(doc, { type: "DeleteTable", table_id: (op as { table_id: string }).table_id }, someone);
    vi.advanceTimersByTime(150);
    expect(client.received).toHaveLength(1);
  });

  // SPEC: JSON-15
  it("does not echo an author's own edit back to it, while everyone else gets it", () => {
    const author = new Recorder("author");
    const other = new Recorder("other");
    broadcaster.addClient(author);
    broadcaster.addClient(other);
    const origin = serverEdit(OriginKind.Json, { userId: author.userId });
    const applied = broadcaster.authored(author, origin, () => rename(tableIds[5]!, "mine", origin));
    expect(applied.version).toBe(versions.current);
    expect(applied.state.tables.map((t) => [t.id, t.name, t.version])).toEqual([[tableIds[5], "mine", versions.current]]);
    broadcaster.release(author);
    vi.advanceTimersByTime(150);
    expect(author.received).toHaveLength(1);
    expect(other.last!.state.tables.map((t) => t.name)).toEqual(["mine"]);
  });

  // SPEC: JSON-15
  it("does not echo an author's edit to an element someone else changed earlier in the same window", () => {
    const author = new Recorder("author");
    broadcaster.addClient(author);
    rename(tableIds[5]!, "theirs");
    const origin = serverEdit(OriginKind.Json, { userId: author.userId });
    broadcaster.authored(author, origin, () => rename(tableIds[5]!, "mine", origin));
    broadcaster.release(author);
    vi.advanceTimersByTime(150);
    expect(author.received).toHaveLength(1);
  });

  // SPEC: JSON-15
  it("holds an author's deltas until its acknowledgement is out, then sends them", () => {
    const author = new Recorder("author");
    broadcaster.addClient(author);
    const origin = serverEdit(OriginKind.Json, { userId: author.userId });
    broadcaster.authored(author, origin, () => rename(tableIds[5]!, "mine", origin));
    rename(tableIds[6]!, "theirs");
    vi.advanceTimersByTime(150);
    expect(author.received).toHaveLength(1);
    broadcaster.release(author);
    expect(author.received).toHaveLength(2);
    expect(author.last!.state.tables.map((t) => t.name)).toEqual(["theirs"]);
  });

  it("sends the author a later change to the element it edited", () => {
    const author = new Recorder("author");
    broadcaster.addClient(author);
    const origin = serverEdit(OriginKind.Json, { userId: author.userId });
    broadcaster.authored(author, origin, () => rename(tableIds[5]!, "mine", origin));
    broadcaster.release(author);
    rename(tableIds[5]!, "overwritten");
    vi.advanceTimersByTime(150);
    expect(author.last!.state.tables.map((t) => t.name)).toEqual(["overwritten"]);
  });

  // SPEC: JSON-19
  it("resets a reconnecting client's state and sends it a full GraphState", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    rename(tableIds[1]!, "x");
    vi.advanceTimersByTime(150);
    broadcaster.addClient(client);
    expect(client.last!.full).toBe(true);
    expect(client.last!.state.tables).toHaveLength(100);
    rename(tableIds[2]!, "y");
    vi.advanceTimersByTime(150);
    expect(client.last!.state.tables.map((t) => t.name)).toEqual(["y"]);
  });

  // SPEC: JSON-17
  it("sends a full GraphState on request", () => {
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    broadcaster.requestFull(client);
    expect(client.received.map((m) => m.full)).toEqual([true, true]);
  });

  // SPEC: JSON-16
  it("sends a full GraphState every full-sync interval while the diagram changes, and none while it does not", () => {
    broadcaster.destroy();
    broadcaster = new VersionDeltaBroadcaster({ doc, versions, fullSyncIntervalMs: 1000 });
    const client = new Recorder("u1");
    broadcaster.addClient(client);
    vi.advanceTimersByTime(3000);
    expect(client.received.map((m) => m.full)).toEqual([true]);
    rename(tableIds[1]!, "x");
    vi.advanceTimersByTime(1000);
    expect(client.received.map((m) => m.full)).toEqual([true, false, true]);
    expect(client.last!.state.tables).toHaveLength(100);
  });

  // SPEC: JSON-13
  it("keeps every client's replica equal to the document under random edits, authors and flushes", () => {
    const random = new Random(11);
    const clients = [new Recorder("a"), new Recorder("b"), new Recorder("c")];
    for (const client of clients) broadcaster.addClient(client);
    const held = new Map<Recorder, number>();
    const sentVersions = new Map<Recorder, Map<string, number>>(clients.map((c) => [c, new Map()]));
    for (let step = 0; step < 400; step++) {
      const schema = readSchema(doc);
      const table = random.pick(schema.tables);
      const op = random.chance(0.1)
        ? { type: "DeleteTable", table_id: table.id }
        : random.chance(0.2)
          ? { type: "CreateTable", name: `t${step}`, x: step, y: step }
          : { type: "RenameTable", table_id: table.id, name: `n${step}` };
      const author = random.chance(0.5) ? random.pick(clients) : undefined;
      if (author) {
        const origin = serverEdit(OriginKind.Json, { userId: author.userId });
        const applied = broadcaster.authored(author, origin, () => applyOperation(doc, op, origin));
        // The author applies its acknowledgement (OpApplied carries this); its deltas wait for release.
        author.merge(applied.state, applied.deleted);
        for (const element of [...applied.state.tables, ...applied.state.relationships]) sentVersions.get(author)!.set(element.id, element.version);
        held.set(author, (held.get(author) ?? 0) + 1);
      } else {
        applyOperation(doc, op, someone);
      }
      if (random.chance(0.3)) {
        for (const [client, count] of held) for (let i = 0; i < count; i++) broadcaster.release(client);
        held.clear();
      }
      if (random.chance(0.2)) vi.advanceTimersByTime(150);
      for (const client of clients) {
        for (const message of client.received.splice(0)) {
          const seen = sentVersions.get(client)!;
          if (message.full) seen.clear();
          for (const element of [...message.state.tables, ...message.state.relationships]) {
            // Never the same or an older version of an element again (except in a full state).
            if (!message.full) expect(element.version).toBeGreaterThan(seen.get(element.id) ?? 0);
            seen.set(element.id, element.version);
          }
        }
      }
    }
    for (const [client, count] of held) for (let i = 0; i < count; i++) broadcaster.release(client);
    vi.advanceTimersByTime(150);
    const truth = readSchema(doc, (id) => versions.versionOf(id));
    for (const client of clients) expect(client.schema()).toEqual(truth);
  });
});
