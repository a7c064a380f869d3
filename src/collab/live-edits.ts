import { OutgoingMessage, type Connection, type Extension, type afterLoadDocumentPayload, type connectedPayload } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import type { WebSocket } from "ws";
import { Refusal } from "../close-codes.ts";
import { connectionOf } from "../origins.ts";
import { ByAddress } from "./by-address.ts";
import { isConnectionContext, type ConnectionContext } from "./connection-context.ts";
import type { ClientConnection, FrameStage, OutgoingStage, PassFrame } from "./stages.ts";
import { MessageType, SyncStep, bodyDecoder, readVarUint, type FrameHeader, type WireCursor } from "./wire.ts";

/** What the live edit path needs of the rest of the server. */
export interface LiveEditsOptions {
  /** The connection's role needs no second look (`Admission.confirmed`); otherwise Hocuspocus's hooks look first. */
  confirmed: (context: ConnectionContext) => boolean;
  /** Counts the frame as received (`MetricsExtension.received`). */
  received: (frame: Uint8Array, connection: Connection) => void;
  /** Checks, applies and logs the update; throws a `Refusal` for one that does not apply (`DurableLog.receive`). */
  receive: (connection: Connection, frame: Uint8Array, update: Uint8Array) => void;
  /** A room's update broadcast reached a connection, which was not sent it (`MetricsExtension.fannedOut`). */
  fannedOut: (roomId: string) => void;
}

/**
 * The edit path of a live room: a document update from a connection that is established, confirmed,
 * allowed to write and has nothing queued in Hocuspocus is handled here, as a `/collab` frame stage
 * after the frame guard (which checked the update) and presence (which charged it to the connection's
 * Critical budget and counted it as activity) — not by Hocuspocus.
 *
 * Hocuspocus would do for it: copy the frame into a message, run the `beforeHandleMessage` hooks of
 * every extension (a promise chain), `beforeSync` (the same again), apply the update (a no-op by then:
 * the durable log applied it already, but Yjs decodes it once more and runs a transaction's observers),
 * acknowledge, and `afterHandleMessage`. Here it is what LiveShare's hooks did, called directly: count
 * it, check, apply and log it (`DurableLog.receive`: applied through the room's document with the
 * connection as origin, so Hocuspocus's broadcast, `onChange`, Redis and the store debounce run as
 * before), and acknowledge it (held by the durable log's outgoing stage until stored).
 *
 * Everything else — sync steps, awareness queries, a connection whose earlier frames Hocuspocus is
 * still handling (order is kept), a read-only one (Hocuspocus answers it "not saved"), one whose role
 * must be looked up again — goes to Hocuspocus as before.
 *
 * As an outgoing stage it keeps an edit from being sent back to the client that made it: Hocuspocus
 * broadcasts a room's updates to every connection, its author's included, which applies it as a no-op
 * — a frame and a write per edit for nothing. A Sync update frame whose update is byte for byte the
 * last update the room's document made from that connection's own edit carries nothing the client
 * lacks, and is dropped; one merged with others' updates differs and goes out whole.
 */
export class LiveEdits implements Extension, FrameStage, OutgoingStage {
  extensionName = "live-edits";
  /** Each socket's document connections, from `connected` until they close. */
  private readonly connections = new ByAddress<Connection>();
  /** The acknowledgement of each connection: the same bytes every time. */
  private readonly acknowledgements = new WeakMap<Connection, Uint8Array>();
  /** The update the room's document emitted for each connection's latest edit, until a Sync update frame goes to it. */
  private readonly ownUpdates = new WeakMap<Connection, Uint8Array>();
  private readonly cursor: WireCursor = { pos: 0 };

  constructor(private readonly options: LiveEditsOptions) {}

  async connected({ connection }: connectedPayload): Promise<void> {
    if (connection.document.hasConnection(connection)) this.connections.set(connection, connection);
  }

  async afterLoadDocument({ document }: afterLoadDocumentPayload): Promise<void> {
    document.on("update", (update: Uint8Array, origin: unknown) => {
      const connection = connectionOf(origin);
      if (connection) this.ownUpdates.set(connection, update);
    });
  }

  /** The outgoing stage: drops a Sync update frame that only echoes the receiving connection's own edit. */
  attach(socket: WebSocket, next: PassFrame): PassFrame {
    return (frame, header) => {
      if (header?.type === MessageType.Sync && header.syncStep === SyncStep.Update && this.echoes(socket, header)) {
        this.options.fannedOut(header.room);
        return;
      }
      next(frame, header);
    };
  }

  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket, client: ClientConnection): boolean {
    // `syncStep` is -1 for every type but Sync and SyncReply.
    if (header === undefined || header.syncStep !== SyncStep.Update) return false;
    const connection = this.connections.get(socket, header);
    if (!connection || !this.live(connection)) return false;
    const decoder = bodyDecoder(header);
    decoding.readVarUint(decoder);
    const update = decoding.readVarUint8Array(decoder);
    // Hocuspocus's idle timeout counts the frames it is handed; this one is not.
    client.lastMessageReceivedAt = Date.now();
    this.options.received(frame, connection);
    try {
      this.options.receive(connection, frame, update);
    } catch (error) {
      // Refused: the socket is closing with the reason already, and nothing of the update was applied.
      if (error instanceof Refusal) return true;
      throw error;
    }
    connection.send(this.acknowledgementOf(connection));
    return true;
  }

  /** Whether the update in this Sync update frame is exactly the receiving connection's own last edit. */
  private echoes(socket: WebSocket, header: FrameHeader): boolean {
    const connection = this.connections.get(socket, header);
    const own = connection && this.ownUpdates.get(connection);
    if (!own) return false;
    // Whatever this frame is, it is the room's first since that edit: the next one is not its echo.
    this.ownUpdates.delete(connection);
    const { bytes } = header;
    const cursor = this.cursor;
    cursor.pos = header.bodyOffset;
    readVarUint(bytes, cursor); // the sync step
    const length = readVarUint(bytes, cursor);
    if (length !== own.length || cursor.pos + length !== bytes.length) return false;
    const start = cursor.pos;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== own[i]) return false;
    return true;
  }

  /** Whether Hocuspocus may be left out: the connection is in its room, may write, and nothing of it waits. */
  private live(connection: Connection): boolean {
    return (
      !connection.readOnly &&
      connection.document.hasConnection(connection) &&
      isConnectionContext(connection.context) &&
      this.options.confirmed(connection.context) &&
      queueIsEmpty(connection)
    );
  }

  private acknowledgementOf(connection: Connection): Uint8Array {
    let ack = this.acknowledgements.get(connection);
    if (!ack) this.acknowledgements.set(connection, (ack = new OutgoingMessage(connection.messageAddress).writeSyncStatus(true).toUint8Array()));
    return ack;
  }
}

/**
 * True when Hocuspocus has none of the connection's frames queued or in hand: one handled here then
 * cannot overtake an earlier one. Read from Hocuspocus's (private) queue; if a version of Hocuspocus
 * has none, every frame goes its way.
 */
function queueIsEmpty(connection: Connection): boolean {
  const queue = (connection as unknown as { messageQueue?: unknown }).messageQueue;
  return Array.isArray(queue) && queue.length === 0;
}
