import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { now } from "./clock.ts";
import type { UserPlan } from "./plan.ts";
import { SimulatedUser, type UserEnvironment } from "./user.ts";
import { AuthType, FrameWriter, MessageType, PONG_FRAME, awarenessStateCount, readHeader } from "./wire.ts";

/** Transaction origins: edits that came from the server are not echoed back. */
const REMOTE = Symbol("remote");
const LOCAL = Symbol("local");


/**
 * A real Yjs client speaking raw y-protocols over `ws` in the Hocuspocus wire format: what a
 * HocuspocusProvider does (auth, sync step 1/2, updates, awareness, SyncStatus acknowledgements,
 * reconnect and resync), without its per-instance overhead. Its table lives in the schema document
 * v1 layout (`tables` → table map with `x`, `y`, `columns`).
 */
export class YjsUser extends SimulatedUser {
  private readonly doc = new Y.Doc();
  private readonly tables = this.doc.getMap<Y.Map<unknown>>("tables");
  private readonly frames: FrameWriter;
  private socket: WebSocket | undefined;
  private authenticated = false;
  private synced = false;
  private awarenessClock = 0;
  /** Send times of frames awaiting a SyncStatus, in order; NaN for frames that are not edits. */
  private awaitingAck: number[] = [];
  private readonly statePrefix: string;
  private tableAcked = false;

  constructor(plan: UserPlan, env: UserEnvironment, private readonly url: string) {
    super(plan, env);
    this.frames = new FrameWriter(plan.documentName);
    // Presence state v1; only the cursor changes, so the rest is built once.
    this.statePrefix = `{"user":${JSON.stringify({ id: plan.userId, name: plan.name, color: plan.color })},"cursor":{"x":`;
    // Which tables a remote transaction moved, from the transaction's own change record: cheaper than
    // a deep observer (which builds an event object per changed type), so the generator measures
    // rather than loads the machine.
    this.doc.on("afterTransaction", (transaction: Y.Transaction) => {
      if (transaction.origin !== REMOTE) return;
      for (const [type, keys] of transaction.changed) {
        if (!(type instanceof Y.Map) || type.parent !== this.tables || !keys.has("y")) continue;
        const sender = this.env.tableOwners.get(String(type.get("id")));
        const seq = type.get("y");
        if (sender !== undefined && typeof seq === "number" && seq > 0) this.env.recordReceipt(this.plan.index, sender, seq);
      }
    });
  }

  protected progress(): string {
    return `authenticated=${this.authenticated}, synced=${this.synced}`;
  }

  protected sendCursor(x: number, y: number): void {
    if (!this.authenticated) return;
    this.awarenessClock += 1;
    const state = `${this.statePrefix}${x},"y":${y}},"viewport":null,"selection":[],"status":"active"}`;
    this.send(this.frames.awareness(this.doc.clientID, this.awarenessClock, state), true);
  }

  protected sendEdit(seq: number, sentAt: number): void {
    const table = this.tables.get(this.plan.tableId);
    if (!table) return;
    // x carries the send time (clock ms, well inside the ±1e7 coordinate bound), y the sequence number.
    this.change(() => {
      table.set("x", Math.round(sentAt * 1000) / 1000);
      table.set("y", seq);
    }, sentAt);
  }

  /**
   * Makes a local change and sends the update it produced (or leaves it to the next sync when
   * offline). The update listener exists only during our own transactions: with a listener attached,
   * Yjs would encode an update for every remote transaction too.
   */
  private change(fn: () => void, sentAt: number): void {
    const updates: Uint8Array[] = [];
    const collect = (update: Uint8Array) => updates.push(update);
    this.doc.on("update", collect);
    try {
      this.doc.transact(fn, LOCAL);
    } finally {
      this.doc.off("update", collect);
    }
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    for (const update of updates) {
      this.send(this.frames.update(update), false);
      this.awaitingAck.push(sentAt);
    }
  }

  protected close(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.close(1000, "load test over");
  }

  protected unackedEdits(): number {
    return this.awaitingAck.filter((t) => !Number.isNaN(t)).length;
  }

  protected connect(): void {
    const socket = new WebSocket(this.url, { perMessageDeflate: false, skipUTF8Validation: true });
    socket.binaryType = "nodebuffer";
    this.socket = socket;
    socket.on("open", () => {
      // What HocuspocusProvider sends on open: token, sync step 1, its awareness.
      socket.send(this.frames.auth(this.plan.token));
      socket.send(this.frames.syncStep1(this.doc));
    });
    socket.on("message", (data: Buffer) => this.receive(socket, data));
    socket.on("error", (error) => this.error(`socket: ${error.message}`));
    socket.on("close", (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.authenticated = false;
      this.synced = false;
      this.awaitingAck = [];
      this.reconnectAfter(code, reason, () => this.connect());
    });
  }

  private send(frame: Uint8Array, presence: boolean): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(frame);
    this.countOut(frame.length, presence);
  }

  private receive(socket: WebSocket, data: Buffer): void {
    if (data.length === 1 && data[0] === MessageType.Ping) {
      socket.send(PONG_FRAME);
      return;
    }
    let presenceStates = -1;
    try {
      const { type, decoder } = readHeader(data);
      switch (type) {
        case MessageType.Sync:
        case MessageType.SyncReply:
          this.receiveSync(decoder);
          break;
        case MessageType.Awareness:
          presenceStates = awarenessStateCount(decoder);
          break;
        case MessageType.Auth:
          this.receiveAuth(socket, decoder);
          break;
        case MessageType.QueryAwareness:
          break;
        case MessageType.SyncStatus:
          this.receiveSyncStatus(decoding.readVarUint(decoder) === 1);
          break;
        case MessageType.Close: {
          const reason = decoding.readVarString(decoder);
          this.error(`server closed the document connection: ${reason}`);
          // The provider treats this as a disconnect and reconnects.
          socket.close(1000, "closed by server");
          break;
        }
        case MessageType.Stateless:
          break;
        default:
          this.error(`unknown message type ${type}`);
      }
    } catch (error) {
      this.error(`bad frame: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.countIn(data.length, presenceStates);
  }

  private receiveAuth(socket: WebSocket, decoder: decoding.Decoder): void {
    const authType = decoding.readVarUint(decoder);
    if (authType === AuthType.Authenticated) {
      this.authenticated = true;
      this.announce();
    } else if (authType === AuthType.PermissionDenied) {
      const reason = decoding.readVarString(decoder);
      this.error(`permission denied: ${reason}`);
      this.stopped = true; // like the provider: no reconnect after a refusal
      socket.close(1000, "permission denied");
    } else if (authType === AuthType.Token) {
      socket.send(this.frames.auth(this.plan.token));
    }
  }

  private receiveSync(decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      // Answer the server's step 1 with what it lacks; the server acknowledges it with a SyncStatus.
      const reply = this.frames.reply(MessageType.Sync);
      syncProtocol.readSyncStep1(decoder, reply, this.doc);
      this.send(encoding.toUint8Array(reply), false);
      this.awaitingAck.push(Number.NaN);
      return;
    }
    // Step 2 and updates only apply (readSyncMessage would build a reply encoder for every update).
    syncProtocol.readUpdate(decoder, this.doc, REMOTE);
    if (syncType === syncProtocol.messageYjsSyncStep2 && !this.synced) {
      this.synced = true;
      this.afterSync();
    }
  }

  private receiveSyncStatus(applied: boolean): void {
    const sentAt = this.awaitingAck.shift();
    if (!applied) {
      this.error("update rejected by the server (SyncStatus false)");
      return;
    }
    if (sentAt !== undefined && !Number.isNaN(sentAt) && this.env.counting()) this.ackLatencies.push(now() - sentAt);
    this.checkReady();
  }

  /** Ready once our table is in the document and the server acknowledged everything we sent. */
  private checkReady(): void {
    if (this.tableAcked || !this.tables.has(this.plan.tableId) || this.awaitingAck.length > 0) return;
    this.tableAcked = true;
    this.onReady?.();
    this.onReady = undefined;
  }

  /** After the first sync: create this user's table (once; a resync finds it already there). */
  private afterSync(): void {
    if (this.tables.has(this.plan.tableId)) return this.checkReady();
    this.change(() => {
      const table = new Y.Map<unknown>();
      table.set("id", this.plan.tableId);
      table.set("name", `loadtest_${this.plan.index}`);
      table.set("x", 0);
      table.set("y", 0);
      const column = new Y.Map<unknown>();
      column.set("id", `${this.plan.tableId}:id`);
      column.set("name", "id");
      column.set("type", "uuid");
      column.set("nullable", false);
      column.set("primary_key", true);
      column.set("unique", true);
      const columns = new Y.Array<Y.Map<unknown>>();
      columns.push([column]);
      table.set("columns", columns);
      this.tables.set(this.plan.tableId, table);
    }, Number.NaN);
  }
}
