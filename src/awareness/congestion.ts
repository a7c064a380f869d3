import type { Connection } from "@hocuspocus/server";
import * as encoding from "lib0/encoding";
import { encodeAwarenessUpdate } from "y-protocols/awareness";
import { sendBacklog } from "../collab/coalesce.ts";
import { FrameType, addressPrefixLength } from "./wire.ts";

export interface CongestionGuardOptions {
  /** Send-buffer bound in bytes (PRESENCE_SEND_BUFFER_BYTES): above it, presence frames are dropped. */
  maxBufferedBytes: number;
  /** Client ids removed from the room since `since` (presence's clock), for the resync. */
  removedSince: (since: number) => number[];
  now: () => number;
  onDropped: () => void;
}

/**
 * Drops presence first when a client's socket is congested: an awareness frame for a socket whose
 * send buffer (`bufferedAmount`) is over the bound is not sent; document updates always are. Once the
 * socket drains, the next awareness frame is replaced by a full one — every current state plus the
 * removals the client missed — so the client's view of the room is whole again.
 *
 * Wraps `connection.send` (Hocuspocus has no outgoing hook); install it after other wrappers that
 * count what is sent, so that a dropped frame is not counted as sent.
 */
export function guardCongestion(connection: Connection, options: CongestionGuardOptions): void {
  const send = connection.send.bind(connection);
  const typeOffset = addressPrefixLength(connection.messageAddress);
  const socket = connection.webSocket;
  let congestedSince: number | undefined;
  connection.send = (message: Uint8Array) => {
    if (message[typeOffset] === FrameType.Awareness) {
      if (sendBacklog(socket) > options.maxBufferedBytes) {
        congestedSince ??= options.now();
        options.onDropped();
        return;
      }
      if (congestedSince !== undefined) {
        message = resyncFrame(connection, options.removedSince(congestedSince));
        congestedSince = undefined;
      }
    }
    send(message);
  };
}

/** An awareness frame with every state of the room and a removal for each id in `removed`. */
function resyncFrame(connection: Connection, removed: readonly number[]): Uint8Array {
  const awareness = connection.document.awareness;
  const clients = [...awareness.getStates().keys()];
  for (const id of removed) if (!awareness.states.has(id) && awareness.meta.has(id)) clients.push(id);
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, connection.messageAddress);
  encoding.writeVarUint(encoder, FrameType.Awareness);
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}
