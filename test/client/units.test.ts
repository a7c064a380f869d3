import { describe, expect, it } from "vitest";
import { CloseCode, CloseReason } from "../../src/close-codes.ts";
import { endpointOf } from "../../src/client/endpoint.ts";
import { closedInfo } from "../../src/client/status.ts";
import { peerOf } from "../../src/client/presence.ts";
import { expiryOf } from "../../src/client/token.ts";
import * as Y from "yjs";
import { DiagramMirror } from "../../src/client/diagram-mirror.ts";
import { applyOperation, buildDiagram } from "../../src/schema-doc/index.ts";

describe("client units", () => {
  it("derives the /collab URL and the REST base from either form of the server's address", () => {
    expect(endpointOf("ws://127.0.0.1:8080/collab")).toEqual({ collab: "ws://127.0.0.1:8080/collab", http: "http://127.0.0.1:8080" });
    expect(endpointOf("http://127.0.0.1:8080")).toEqual({ collab: "ws://127.0.0.1:8080/collab", http: "http://127.0.0.1:8080" });
    expect(endpointOf("https://example.com/liveshare/")).toEqual({ collab: "wss://example.com/liveshare/collab", http: "https://example.com/liveshare" });
    expect(() => endpointOf("ftp://example.com")).toThrow(TypeError);
  });

  // SPEC: CLIENT-4
  it("types every reason of src/close-codes.ts with the code docs/close-codes.md files it under", () => {
    const expected: Record<string, number> = {
      "missing-token": 4401, "malformed-token": 4401, "invalid-signature": 4401, "token-expired": 4401, "invalid-claims": 4401,
      "invalid-room-id": 4400, "malformed-frame": 4400, "unknown-message-type": 4400, "malformed-update": 4400, "malformed-awareness": 4400,
      "unknown-room": 4404, "session-ended": 4410, "diagram-deleted": 4410, "access-revoked": 4403, "permission-denied": 4403,
      "room-full": 4409, "rate-limited": 4429, "storage-unavailable": 4503, "message-too-big": 1009, "internal-error": 1011, "server-shutdown": 4001,
      "unapplicable-update": 4400, "room-unavailable": 4503, "auth-timeout": 4408, "too-many-connections": 1013, "unauthenticated-buffer-full": 1013,
    };
    expect(Object.keys(expected).sort()).toEqual(Object.values(CloseReason).sort());
    // A refused join carries only the reason; a room's close message carries it with code 1000.
    for (const [reason, code] of Object.entries(expected)) {
      expect(closedInfo(undefined, reason, false)).toMatchObject({ reason, code, message: reason });
      expect(closedInfo(1000, reason, false)).toMatchObject({ reason, code });
    }
  });

  it("names the closes that carry no LiveShare reason", () => {
    expect(closedInfo(1000, "", false).reason).toBe("normal");
    expect(closedInfo(1006, "", false).reason).toBe("connection-lost");
    expect(closedInfo(1007, "", false)).toMatchObject({ reason: "invalid-payload", final: true });
    expect(closedInfo(1009, "", false)).toMatchObject({ reason: "message-too-big", code: 1009, final: true });
    expect(closedInfo(CloseCode.ResetConnection, "Reset Connection", false)).toMatchObject({ reason: "reset-connection", final: false });
    expect(closedInfo(4408, "Connection Timeout", false)).toMatchObject({ reason: "connection-timeout", final: false });
    expect(closedInfo(4999, "something new", false).reason).toBe("unknown");
  });

  // SPEC: CLIENT-4
  it("calls a close final only when reconnecting cannot help", () => {
    const final = (reason: string, refreshable = false) => closedInfo(undefined, reason, refreshable).final;
    for (const reason of ["access-revoked", "session-ended", "diagram-deleted", "permission-denied", "unknown-room", "invalid-signature"]) expect(final(reason), reason).toBe(true);
    for (const reason of ["rate-limited", "storage-unavailable", "room-full", "internal-error", "server-shutdown"]) expect(final(reason), reason).toBe(false);
    expect(final("token-expired")).toBe(true);
    expect(final("token-expired", true)).toBe(false);
  });

  it("reads a JWT's expiry, and treats an opaque token as having none", () => {
    const payload = btoa(JSON.stringify({ sub: "x", exp: 1_900_000_000 })).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
    expect(expiryOf(`e30.${payload}.sig`)).toBe(1_900_000_000_000);
    expect(expiryOf("opaque-token")).toBeUndefined();
    expect(expiryOf("a.!!!.c")).toBeUndefined();
  });

  it("reads a peer from a published state, its own fields apart, and ignores states without a user", () => {
    const state = JSON.parse('{"user":{"id":"u1","name":"Ada","color":"#112233"},"cursor":{"x":1,"y":2},"viewport":null,"selection":["t1"],"status":"idle","tool":"pen","__proto__":{"polluted":true}}');
    const peer = peerOf(7, state)!;
    expect(peer).toEqual({ clientId: 7, user: { id: "u1", name: "Ada", color: "#112233" }, status: "idle", cursor: { x: 1, y: 2 }, viewport: null, selection: ["t1"], fields: { tool: "pen" } });
    expect(Object.getPrototypeOf(peer.fields)).toBe(Object.prototype);
    expect(peerOf(8, { cursor: { x: 1, y: 1 } })).toBeUndefined();
  });

  it("keeps the diagram's relationships list while only a table moves, and its tables list while only a relationship changes", () => {
    const doc = new Y.Doc();
    buildDiagram(doc, { tables: 4, columnsPerTable: 3, relationships: 2, seed: 1 });
    const mirror = new DiagramMirror(doc, () => false, () => {});
    const before = mirror.schema;
    const [table] = before.tables;
    applyOperation(doc, { type: "MoveTable", table_id: table!.id, x: table!.x + 40, y: table!.y }, null);
    const moved = mirror.schema;
    expect(moved.tables).not.toBe(before.tables);
    expect(moved.tables.find((t) => t.id === table!.id)!.x).toBe(table!.x + 40);
    expect(moved.relationships).toBe(before.relationships);
    applyOperation(doc, { type: "DeleteRelationship", relationship_id: moved.relationships[0]!.id }, null);
    const related = mirror.schema;
    expect(related.relationships).toHaveLength(1);
    expect(related.tables).toBe(moved.tables);
    mirror.destroy();
  });
});
