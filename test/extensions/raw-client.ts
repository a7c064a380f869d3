import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import { AuthType, MessageType, SyncStep } from "../../src/collab/wire.ts";

/**
 * A bare WebSocket speaking just enough of the Hocuspocus protocol to authenticate and then misbehave:
 * what a broken or hostile client looks like to the server. Hocuspocus answers a bad frame by closing
 * the document connection, not the socket, so watch the server's metrics rather than the socket.
 */
export class RawYjsClient {
  private constructor(
    private readonly socket: WebSocket,
    private readonly roomId: string,
  ) {}

  static async connect(wsUrl: string, roomId: string, token: string): Promise<RawYjsClient> {
    const socket = new WebSocket(`${wsUrl}/collab`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const client = new RawYjsClient(socket, roomId);
    client.send(MessageType.Auth, (e) => {
      encoding.writeVarUint(e, AuthType.Token);
      encoding.writeVarString(e, token);
    });
    return client;
  }

  /** Sends a sync "update" whose payload is `bytes` (not necessarily a decodable Yjs update). */
  sendUpdate(bytes: Uint8Array): void {
    this.send(MessageType.Sync, (e) => {
      encoding.writeVarUint(e, SyncStep.Update);
      encoding.writeVarUint8Array(e, bytes);
    });
  }

  close(): void {
    this.socket.close();
  }

  /** Drops the TCP connection without a closing handshake, as a lost network does (the server sees 1006). */
  terminate(): void {
    this.socket.terminate();
  }

  private send(type: number, body: (e: encoding.Encoder) => void): void {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, this.roomId);
    encoding.writeVarUint(e, type);
    body(e);
    this.socket.send(encoding.toUint8Array(e));
  }
}
