/**
 * Regression test for issue #14, defect 6: a lone UTF-16 surrogate in a client's string (a GraphOp
 * name "\ud800", a REST body) is normalised at the edge to U+FFFD, so the server's document, Yjs
 * peers, JSON clients, the stored copy and REST all hold the same string.
 */
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readSchema } from "../../src/schema-doc/index.ts";
import { DocumentStore } from "../../src/storage/documents.ts";
import { parseWellFormedJson } from "../../src/json-protocol/well-formed-json.ts";
import { acknowledged } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, serverDoc } from "../helpers/documents.ts";
import { sharedDiagram } from "../helpers/users.ts";

describe("lone UTF-16 surrogates from clients", () => {
  const live = liveShareFixture({ shared: true, users: "surrogate" });
  const { server, who } = live;

  it('stores, relays and answers a GraphOp name "\\ud800" as U+FFFD everywhere alike', async () => {
    const { diagramId, roomId } = await sharedDiagram(server, who);
    const peer = await live.connectSynced(roomId, who.owner.token);
    const json = await live.join(roomId, who.editor.token);
    const watcher = await live.join(roomId, who.viewer.token);

    // JSON.stringify writes the lone surrogate as the escape "\ud800", as a client's JSON would.
    const answer = await json.op({ type: "CreateTable", name: "a\ud800b", x: 0, y: 0, comment: "\udc00" });
    expect(answer).toMatchObject({ type: "OpApplied" });
    const expected = { name: "a\ufffdb", comment: "\ufffd" };

    const pick = (t: { name: string; comment?: string | undefined }) => ({ name: t.name, comment: t.comment });
    expect(readSchema(serverDoc(server, roomId)!).tables.map(pick)).toEqual([expected]);
    await waitFor(() => readSchema(peer.doc).tables.length === 1, "the table to reach the Yjs peer");
    expect(readSchema(peer.doc).tables.map(pick)).toEqual([expected]);
    await waitFor(() => watcher.tables.size === 1, "the table to reach the JSON watcher");
    expect([...watcher.tables.values()].map(pick)).toEqual([expected]);
    const rest = await server.api.request("GET", `/api/diagrams/${diagramId}/schema`, { token: who.owner.token });
    expect(rest.body.tables.map(pick)).toEqual([expected]);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await new DocumentStore(server.db).load(diagramId)).update!);
    expect(readSchema(stored).tables.map(pick)).toEqual([expected]);
    // Nothing to repair later: a Yjs edit next to it round-trips unchanged.
    addTable(peer.doc, "next");
    await acknowledged(peer);
  });

  it("stores and answers a REST body's lone surrogate as U+FFFD", async () => {
    const created = await server.api.request("POST", "/api/diagrams", { token: who.owner.token, rawBody: '{"name":"x\\udc00y"}' });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe("x\ufffdy");
    const read = await server.api.request("GET", `/api/diagrams/${created.body.id}`, { token: who.owner.token });
    expect(read.body.name).toBe("x\ufffdy");
  });

  it("leaves well-formed text, surrogate pairs and an escaped backslash alone", () => {
    expect(parseWellFormedJson('{"a":"\\ud83d\\ude00","b":"\\\\ud800","\\ud800":1}')).toEqual({ a: "😀", b: "\\ud800", "\ufffd": 1 });
  });
});
