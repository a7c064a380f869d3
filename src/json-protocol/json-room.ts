/**
 * The JSON protocol's side of one room on this instance: its JSON clients, the version-delta
 * broadcaster over the room's document and the presence relay. Created when the first JSON client
 * joins, destroyed when the last leaves; Yjs clients never need it.
 */
import type { Document } from "@hocuspocus/server";
import { ElementVersions, type GraphOperation } from "../schema-doc/index.ts";
import type { ServerMessage } from "./messages.ts";
import { PresenceRelay } from "../awareness/json-relay.ts";
import { VersionDeltaBroadcaster, type BroadcastObserver, type DeltaClient } from "./version-delta.ts";

/** What the room needs from a JSON client. */
export interface RoomClient extends DeltaClient {
  /** Its awareness client id (presence about it is not sent back to it). */
  readonly clientId: number | undefined;
  send(message: ServerMessage): void;
}

export interface JsonRoomOptions {
  fullSyncIntervalMs: number;
  observer?: BroadcastObserver;
  /** The room's element versions (SchemaGuard keeps them); the room tracks its own when absent. */
  versions?: ElementVersions;
  coalesceMs?: number;
  presenceBatchMs?: number;
}

export class JsonRoom {
  readonly clients = new Set<RoomClient>();
  readonly broadcaster: VersionDeltaBroadcaster;
  readonly presence: PresenceRelay;
  private readonly ownVersions: ElementVersions | undefined;

  constructor(
    readonly roomId: string,
    readonly document: Document,
    options: JsonRoomOptions,
  ) {
    const versions = options.versions ?? (this.ownVersions = new ElementVersions(document));
    this.broadcaster = new VersionDeltaBroadcaster({
      doc: document,
      versions,
      fullSyncIntervalMs: options.fullSyncIntervalMs,
      ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
    });
    this.presence = new PresenceRelay(document, {
      ...(options.presenceBatchMs !== undefined ? { batchMs: options.presenceBatchMs } : {}),
      deliver: (batch) => {
        for (const client of this.clients) {
          for (const { clientId, message } of batch) if (clientId !== client.clientId) client.send(message);
        }
      },
    });
  }

  /** Tells the room's other JSON clients about an operation `author` made. */
  announce(author: RoomClient, op: GraphOperation): void {
    for (const client of this.clients) if (client !== author) client.send({ type: "GraphOp", user_id: author.userId, op });
  }

  destroy(): void {
    this.broadcaster.destroy();
    this.presence.destroy();
    this.ownVersions?.destroy();
  }
}

/** The JSON rooms of this instance, by room id. */
export class JsonRooms {
  private readonly rooms = new Map<string, JsonRoom>();

  constructor(private readonly options: (roomId: string) => JsonRoomOptions) {}

  /** Adds the client to the room (creating it for the document); the caller then adds it to the broadcaster. */
  join(roomId: string, document: Document, client: RoomClient): JsonRoom {
    let room = this.rooms.get(roomId);
    // A document that was unloaded and loaded again is a new Y.Doc: the old room's state is void.
    if (room && room.document !== document) {
      room.destroy();
      room = undefined;
    }
    if (!room) this.rooms.set(roomId, (room = new JsonRoom(roomId, document, this.options(roomId))));
    // Pending presence goes to those already here; the newcomer learns it from RoomInfo instead.
    room.presence.flush();
    room.clients.add(client);
    return room;
  }

  leave(room: JsonRoom, client: RoomClient): void {
    room.broadcaster.removeClient(client);
    room.clients.delete(client);
    if (room.clients.size === 0 && this.rooms.get(room.roomId) === room) {
      room.destroy();
      this.rooms.delete(room.roomId);
    }
  }

  get(roomId: string): JsonRoom | undefined {
    return this.rooms.get(roomId);
  }

  get size(): number {
    return this.rooms.size;
  }
}
