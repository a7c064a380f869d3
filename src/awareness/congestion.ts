import type { Connection } from "@hocuspocus/server";
import * as encoding from "lib0/encoding";
import { encodeAwarenessUpdate } from "y-protocols/awareness";
import { MessageType } from "../collab/wire.ts";

export interface CongestionGuardOptions {
  /** Send-buffer bound in bytes (PRESENCE_SEND_BUFFER_BYTES): above it, presence frames are dropped. */
  maxBufferedBytes: number;
  /** What a socket has not sent yet (the write coalescer's count: this step's frames are not congestion). */
  backlog: (socket: object) => number;
  /** Client ids removed from the room since `since` (presence's clock), for the resync. */
  removedSince: (roomId: string, since: number) => number[];
  now: () => number;
  onDropped: () => void;
}

/**
 * Drops presence first when a client's socket is congested: an awareness frame for a socket whose
 * send buffer is over the bound is not sent; document updates always are. Once the socket drains,
 * the next awareness frame of each document connection that missed some is replaced by a full one —
 * every current state plus the removals the client missed — so the client's view of the room is
 * whole again.
 *
 * One per socket; it guards the document connections `guard` is given (presence's connected ones).
 * Presence's outgoing stage hands it the socket's awareness frames, before the metrics stage, so that
 * a dropped frame is not counted as sent.
 */
export class CongestionGuard {
  /** The guarded document connections, by address. */
  private readonly connections = new Map<string, Connection>();
  /** Since when each guarded connection (by address) has missed presence. */
  private readonly missedSince = new Map<string, number>();

  constructor(
    private readonly socket: object,
    private readonly options: CongestionGuardOptions,
  ) {}

  /** Guards `connection`'s awareness frames until it closes. */
  guard(connection: Connection): void {
    const address = connection.messageAddress;
    this.connections.set(address, connection);
    connection.onClose(() => {
      if (this.connections.get(address) !== connection) return;
      this.connections.delete(address);
      this.missedSince.delete(address);
    });
  }

  /** The awareness frame to send in place of `frame` (for `address`): itself, a full one after a drain, or undefined (dropped). */
  awareness(frame: Uint8Array, address: string): Uint8Array | undefined {
    const { options } = this;
    const congested = options.backlog(this.socket) > options.maxBufferedBytes;
    // Nearly always: nothing to drop, nothing to make up for.
    if (!congested && this.missedSince.size === 0) return frame;
    const connection = this.connections.get(address);
    if (!connection) return frame;
    if (congested) {
      if (!this.missedSince.has(address)) this.missedSince.set(address, options.now());
      options.onDropped();
      return undefined;
    }
    const since = this.missedSince.get(address);
    if (since === undefined) return frame;
    this.missedSince.delete(address);
    return resyncFrame(connection, options.removedSince(connection.document.name, since));
  }
}

/** An awareness frame with every state of the room and a removal for each id in `removed`. */
function resyncFrame(connection: Connection, removed: readonly number[]): Uint8Array {
  const awareness = connection.document.awareness;
  const clients = [...awareness.getStates().keys()];
  for (const id of removed) if (!awareness.states.has(id) && awareness.meta.has(id)) clients.push(id);
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, connection.messageAddress);
  encoding.writeVarUint(encoder, MessageType.Awareness);
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}
