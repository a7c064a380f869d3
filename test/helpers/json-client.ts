/**
 * A JSON-protocol test client over a real `ws` socket: records every server message, keeps a replica
 * of the diagram from `GraphState` / `OpApplied` exactly as the protocol documents (replace each
 * element by id, remove `deleted`), and offers waits on what arrives.
 */
import WebSocket from "ws";
import type { RelationshipJson, SchemaJson, TableJson } from "../../src/schema-doc/index.ts";
import { serverMessageSchema, type ServerMessage, type ServerMessageOf, type ServerMessageType } from "../../src/json-protocol/messages.ts";
import { waitFor } from "./wait.ts";

export class JsonClient {
  readonly messages: ServerMessage[] = [];
  /** Messages that did not match the protocol's server schema (should stay empty). */
  readonly malformed: unknown[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  bytesReceived = 0;
  readonly tables = new Map<string, TableJson>();
  readonly relationships = new Map<string, RelationshipJson>();

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      this.bytesReceived += data.byteLength;
      const value: unknown = JSON.parse(data.toString("utf8"));
      const parsed = serverMessageSchema.safeParse(value);
      if (!parsed.success) {
        this.malformed.push(value);
        return;
      }
      this.messages.push(parsed.data);
      this.apply(parsed.data);
    });
    socket.on("close", (code, reason) => {
      this.closeEvent = { code, reason: reason.toString() };
    });
  }

  static async connect(wsUrl: string): Promise<JsonClient> {
    const socket = new WebSocket(`${wsUrl}/api/liveshare/ws`);
    const client = new JsonClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return client;
  }

  /** Connects and authenticates; resolves once the initial full state has arrived. */
  static async join(wsUrl: string, token: string, roomId: string): Promise<JsonClient> {
    const client = await JsonClient.connect(wsUrl);
    client.send({ type: "Auth", token, room_id: roomId });
    await client.next("RoomInfo");
    return client;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Messages of one type received so far. */
  all<T extends ServerMessageType>(type: T): ServerMessageOf<T>[] {
    return this.messages.filter((m): m is ServerMessageOf<T> => m.type === type);
  }

  /** Waits for the first message of `type` (matching `where`) received at or after index `from`. */
  async next<T extends ServerMessageType>(type: T, where: (m: ServerMessageOf<T>) => boolean = () => true, from = 0, timeoutMs = 10_000): Promise<ServerMessageOf<T>> {
    let found: ServerMessageOf<T> | undefined;
    await waitFor(
      () => {
        found = this.messages.slice(from).find((m): m is ServerMessageOf<T> => m.type === type && where(m as ServerMessageOf<T>));
        return found !== undefined || this.closeEvent !== undefined;
      },
      `a ${type} message`,
      timeoutMs,
    );
    if (!found) throw new Error(`closed (${this.closeEvent?.code} ${this.closeEvent?.reason}) before a ${type} message arrived`);
    return found;
  }

  /** Sends a GraphOp and waits for its answer: the `OpApplied` or the `Error` with the same request id. */
  async op(op: object, requestId = Math.random().toString(36).slice(2)): Promise<ServerMessageOf<"OpApplied"> | ServerMessageOf<"Error">> {
    const from = this.messages.length;
    this.send({ type: "GraphOp", op, request_id: requestId });
    let answer: ServerMessageOf<"OpApplied"> | ServerMessageOf<"Error"> | undefined;
    await waitFor(() => {
      answer = this.messages
        .slice(from)
        .find((m): m is ServerMessageOf<"OpApplied"> | ServerMessageOf<"Error"> => (m.type === "OpApplied" || m.type === "Error") && m.request_id === requestId);
      return answer !== undefined || this.closeEvent !== undefined;
    }, "an answer to a GraphOp");
    if (!answer) throw new Error(`closed (${this.closeEvent?.code} ${this.closeEvent?.reason}) before the GraphOp was answered`);
    return answer;
  }

  async closed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closeEvent !== undefined, "the socket to close", timeoutMs);
    return this.closeEvent!;
  }

  /** The replica as schema JSON, sorted like `readSchema`. */
  schema(): SchemaJson {
    const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return { tables: [...this.tables.values()].sort(byId), relationships: [...this.relationships.values()].sort(byId) };
  }

  destroy(): void {
    this.socket.terminate();
  }

  private apply(message: ServerMessage): void {
    if (message.type === "GraphState") {
      if (message.full) {
        this.tables.clear();
        this.relationships.clear();
      }
      this.merge(message.state, message.deleted);
    } else if (message.type === "OpApplied") {
      this.merge(message.state, message.deleted);
    }
  }

  private merge(state: SchemaJson, deleted: readonly string[]): void {
    for (const table of state.tables) this.tables.set(table.id, table);
    for (const relationship of state.relationships) this.relationships.set(relationship.id, relationship);
    for (const id of deleted) {
      this.tables.delete(id);
      this.relationships.delete(id);
    }
  }
}

/** Schema JSON without the server's versions (Yjs replicas have none): what "the same schema" means. */
export function withoutVersions(schema: SchemaJson): unknown {
  return {
    tables: schema.tables.map(({ version: _v, ...t }) => t),
    relationships: schema.relationships.map(({ version: _v, ...r }) => r),
  };
}
