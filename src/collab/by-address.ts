import type { Connection } from "@hocuspocus/server";

/**
 * Something a `/collab` frame stage keeps per document connection, found from a frame's socket and
 * address the way Hocuspocus finds the connection itself: an address `name\0suffix` (a provider that
 * multiplexes one socket) falls back to the plain name. Kept from `set` until the connection closes.
 */
export class ByAddress<T> {
  private readonly sockets = new WeakMap<object, Map<string, T>>();

  set(connection: Connection, value: T): void {
    const address = connection.messageAddress;
    let values = this.sockets.get(connection.webSocket);
    if (!values) this.sockets.set(connection.webSocket, (values = new Map()));
    const known = values;
    known.set(address, value);
    connection.onClose(() => {
      if (known.get(address) === value) known.delete(address);
    });
  }

  /** The value for the frame's address on `socket`; `room` is the address up to a `\0`. */
  get(socket: object, { address, room }: { address: string; room: string }): T | undefined {
    const values = this.sockets.get(socket);
    if (!values) return undefined;
    return values.get(address) ?? (room === address ? undefined : values.get(room));
  }
}
