import { OutgoingMessage, type Connection, type Extension, type connectedPayload } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import type { WebSocket } from "ws";
import { Refusal } from "../close-codes.ts";
import { isConnectionContext } from "./connection-context.ts";
import type { ClientConnection, FrameStage } from "./stages.ts";
import { SyncStep, bodyDecoder, type FrameHeader } from "./wire.ts";

/** What the live edit path needs of the rest of the server. */
export interface LiveEditsOptions {
  /** The connection's role needs no second look (`Admission.confirmed`); otherwise Hocuspocus's hooks look first. */
  confirmed: (context: unknown) => boolean;
  /** Counts the frame as received (`MetricsExtension.received`). */
  received: (frame: Uint8Array, connection: Connection, documentName: string) => void;
  /** Checks, applies and logs the update; throws a `Refusal` for one that does not apply (`DurableLog.receive`). */
  receive: (connection: Connection, frame: Uint8Array, update: Uint8Array) => void;
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
 */
export class LiveEdits implements Extension, FrameStage {
  extensionName = "live-edits";
  /** Socket → address → its document connection, from `connected` until the connection closes. */
  private readonly sockets = new WeakMap<object, Map<string, Connection>>();
  /** The acknowledgement of each connection: the same bytes every time. */
  private readonly acknowledgements = new WeakMap<Connection, Uint8Array>();

  constructor(private readonly options: LiveEditsOptions) {}

  async connected({ connection }: connectedPayload): Promise<void> {
    if (!connection.document.hasConnection(connection)) return;
    const socket = connection.webSocket;
    const address = connection.messageAddress;
    let connections = this.sockets.get(socket);
    if (!connections) this.sockets.set(socket, (connections = new Map()));
    const known = connections;
    known.set(address, connection);
    connection.onClose(() => {
      if (known.get(address) === connection) known.delete(address);
    });
  }

  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket, client: ClientConnection): boolean {
    // `syncStep` is -1 for every type but Sync and SyncReply.
    if (header === undefined || header.syncStep !== SyncStep.Update) return false;
    const connections = this.sockets.get(socket);
    // Like Hocuspocus: an address `name\0suffix` falls back to the plain name.
    const connection = connections?.get(header.address) ?? (header.room === header.address ? undefined : connections?.get(header.room));
    if (!connection || !this.live(connection)) return false;
    const decoder = bodyDecoder(header);
    decoding.readVarUint(decoder);
    const update = decoding.readVarUint8Array(decoder);
    // Hocuspocus's idle timeout counts the frames it is handed; this one is not.
    client.lastMessageReceivedAt = Date.now();
    this.options.received(frame, connection, connection.document.name);
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
