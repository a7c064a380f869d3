import WebSocket from "ws";
import { now } from "./clock.ts";
import type { UserPlan } from "./plan.ts";
import { SimulatedUser, type UserEnvironment } from "./user.ts";

const PRESENCE_TYPES = new Set(["CursorMove", "IdleStatus", "UserViewport", "Awareness", "UserJoined", "UserLeft", "RoomInfo"]);

interface ServerMessage {
  type?: unknown;
  request_id?: unknown;
  reason?: unknown;
  message?: unknown;
  op?: { type?: unknown; table_id?: unknown; y?: unknown };
  state?: { tables?: Array<{ id?: unknown; y?: unknown }> };
}

/**
 * A client of the JSON LiveShare protocol (`/api/liveshare/ws`): Auth, then GraphOp edits and
 * CursorMove presence; it reads others' edits from `GraphState` deltas (and `GraphOp` MoveTable), and
 * takes `OpApplied` (sent once the edit is durable) for its own edits as the acknowledgement.
 */
export class JsonUser extends SimulatedUser {
  private socket: WebSocket | undefined;
  private authenticated = false;
  private tableCreated = false;
  /** Highest seq seen per sender, so a stale full state is not counted as a new receipt. */
  private readonly seen = new Map<number, number>();
  /** Send time of each edit awaiting its OpApplied, by request id (the seq). */
  private readonly awaitingAck = new Map<number, number>();

  constructor(plan: UserPlan, env: UserEnvironment, private readonly url: string) {
    super(plan, env);
  }

  protected progress(): string {
    return `authenticated=${this.authenticated}`;
  }

  protected sendCursor(x: number, y: number): void {
    if (this.authenticated) this.send({ type: "CursorMove", position: [x, y] }, true);
  }

  protected sendEdit(seq: number, sentAt: number): void {
    if (!this.authenticated) return;
    this.awaitingAck.set(seq, sentAt);
    this.send({ type: "GraphOp", request_id: seq, op: { type: "MoveTable", table_id: this.plan.tableId, x: Math.round(sentAt * 1000) / 1000, y: seq } }, false);
  }

  protected close(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.close(1000, "load test over");
  }

  protected unackedEdits(): number {
    return this.awaitingAck.size;
  }

  protected connect(): void {
    const socket = new WebSocket(this.url, { perMessageDeflate: false });
    this.socket = socket;
    socket.on("open", () => socket.send(JSON.stringify({ type: "Auth", token: this.plan.token, room_id: this.plan.documentName })));
    socket.on("message", (data: Buffer) => this.receive(socket, data));
    socket.on("unexpected-response", (_request, response) => {
      this.error(`upgrade refused: HTTP ${response.statusCode}`);
      this.stopped = true;
      socket.terminate();
    });
    socket.on("error", (error) => this.error(`socket: ${error.message}`));
    socket.on("close", (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.authenticated = false;
      this.reconnectAfter(code, reason, () => this.connect());
    });
  }

  private send(message: object, presence: boolean): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(message);
    socket.send(text);
    this.countOut(Buffer.byteLength(text), presence);
  }

  private receive(socket: WebSocket, data: Buffer): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(data.toString("utf8")) as ServerMessage;
    } catch {
      this.error("server sent a frame that is not JSON");
      return;
    }
    const type = typeof message.type === "string" ? message.type : "";
    switch (type) {
      case "AuthSuccess":
        this.authenticated = true;
        this.announce();
        break;
      case "AuthFailure":
        this.error(`auth failure: ${String(message.reason)}`);
        this.stopped = true;
        socket.close(1000, "auth failure");
        break;
      case "GraphState":
        for (const table of message.state?.tables ?? []) this.observe(table.id, table.y);
        if (!this.tableCreated && !(message.state?.tables ?? []).some((t) => t.id === this.plan.tableId)) {
          this.tableCreated = true;
          this.send({ type: "GraphOp", op: { type: "CreateTable", table_id: this.plan.tableId, name: `loadtest_${this.plan.index}`, x: 0, y: 0, columns: [{ id: `${this.plan.tableId}:id`, name: "id", type: "uuid", nullable: false, primary_key: true, unique: true }] } }, false);
        }
        this.onReady?.();
        this.onReady = undefined;
        break;
      case "GraphOp":
        if (message.op?.type === "MoveTable") this.observe(message.op.table_id, message.op.y);
        break;
      case "OpApplied": {
        const sentAt = typeof message.request_id === "number" ? this.awaitingAck.get(message.request_id) : undefined;
        if (sentAt !== undefined) {
          this.awaitingAck.delete(message.request_id as number);
          if (this.env.counting()) this.ackLatencies.push(now() - sentAt);
        }
        for (const table of message.state?.tables ?? []) this.observe(table.id, table.y);
        break;
      }
      case "Error":
        if (typeof message.request_id === "number") this.awaitingAck.delete(message.request_id);
        this.error(`server error: ${String(message.message ?? message.reason ?? "")}`);
        break;
      default:
        break;
    }
    this.countIn(data.length, PRESENCE_TYPES.has(type) ? 1 : -1);
  }

  private observe(tableId: unknown, y: unknown): void {
    const sender = this.env.tableOwners.get(String(tableId));
    if (sender === undefined || sender === this.plan.index || typeof y !== "number" || y <= 0) return;
    if ((this.seen.get(sender) ?? 0) >= y) return;
    this.seen.set(sender, y);
    this.env.recordReceipt(this.plan.index, sender, y);
  }
}
