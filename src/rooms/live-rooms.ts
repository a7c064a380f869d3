import { OutgoingMessage, type Connection, type Document } from "@hocuspocus/server";
import type { CloseEvent } from "@hocuspocus/common";
import { isConnectionContext, type ConnectionContext } from "../collab/connection-context.ts";

export interface PresentUser {
  user_id: string;
  name: string;
  connections: number;
  read_only: boolean;
  /** Activity status (presence): the liveliest of the user's connections. */
  status: "active" | "idle" | "away";
}

/**
 * The rooms this instance has loaded and their document connections: what revocation, session end
 * and the session endpoint act on. Yjs connections live in Hocuspocus's documents; other transports
 * (the JSON protocol) register their own sockets through `addMember`.
 */
export class LiveRooms {
  private readonly documents = new Map<string, Document>();
  private readonly members = new Map<string, Set<RoomMember>>();
  private epoch = 0;
  /** A user's presence status in a room (set by the assembly to presence's `statusOf`). */
  statusOf: (roomId: string, userId: string) => PresentUser["status"] | undefined = () => undefined;

  /**
   * Counts the access changes applied to this instance's rooms (revocations, downgrades, ended
   * sessions, deleted diagrams; see `RoomControl`). A client admitted with a role looked up at one
   * epoch becomes a member later; if the epoch moved meanwhile, a change may have missed it and its
   * role is looked up again before it acts. Once a member, every later change finds it.
   */
  get accessEpoch(): number {
    return this.epoch;
  }

  /** An access change is being applied (by `RoomControl`). */
  accessChanged(): void {
    this.epoch += 1;
  }

  add(document: Document): void {
    this.documents.set(document.name, document);
  }

  remove(name: string): void {
    this.documents.delete(name);
  }

  get(roomId: string): Document | undefined {
    return this.documents.get(roomId);
  }

  get size(): number {
    return this.documents.size;
  }

  roomIds(): string[] {
    return [...this.documents.keys()];
  }

  addMember(roomId: string, member: RoomMember): () => void {
    let set = this.members.get(roomId);
    if (!set) this.members.set(roomId, (set = new Set()));
    set.add(member);
    return () => {
      set.delete(member);
      if (set.size === 0) this.members.delete(roomId);
    };
  }

  /** Every member of the room, Yjs connections and other transports alike. */
  membersOf(roomId: string): RoomMember[] {
    const result: RoomMember[] = [...(this.members.get(roomId) ?? [])];
    const document = this.documents.get(roomId);
    for (const connection of document?.getConnections() ?? []) result.push(yjsMember(connection));
    return result;
  }

  /** Closes the connections of the room that match `filter` (all when absent), telling each why. */
  disconnect(roomId: string, event: CloseEvent, filter: (member: RoomMember) => boolean = () => true): number {
    let closed = 0;
    for (const member of this.membersOf(roomId)) {
      if (!filter(member)) continue;
      member.close(event);
      closed += 1;
    }
    return closed;
  }

  /** Every room (of this instance) showing `diagramId`. */
  roomsOfDiagram(diagramId: string): string[] {
    const rooms = new Set<string>();
    for (const roomId of [...this.documents.keys(), ...this.members.keys()]) {
      if (this.membersOf(roomId).some((m) => m.context.diagramId === diagramId)) rooms.add(roomId);
    }
    return [...rooms];
  }

  /** Users connected to the room on this instance, one entry per user. */
  usersPresent(roomId: string): PresentUser[] {
    const byUser = new Map<string, PresentUser>();
    for (const member of this.membersOf(roomId)) {
      const { user } = member.context;
      const entry = byUser.get(user.userId) ?? {
        user_id: user.userId,
        name: user.name,
        connections: 0,
        read_only: true,
        // A member that has not shared presence yet has just joined: active.
        status: this.statusOf(roomId, user.userId) ?? "active",
      };
      entry.connections += 1;
      entry.read_only &&= member.readOnly;
      byUser.set(user.userId, entry);
    }
    return [...byUser.values()];
  }
}

/** One authenticated client in a room, whatever its transport. */
export interface RoomMember {
  readonly context: ConnectionContext;
  readonly protocol: "yjs" | "json";
  readOnly: boolean;
  close(event: CloseEvent): void;
}

/** A Yjs document connection as a room member: its role, read-only flag and close, with the client told. */
export function yjsMember(connection: Connection): RoomMember {
  const context = connection.context as ConnectionContext;
  if (!isConnectionContext(context)) throw new Error("a document connection without LiveShare context");
  return {
    context,
    protocol: "yjs",
    get readOnly() {
      return connection.readOnly;
    },
    set readOnly(value: boolean) {
      if (connection.readOnly === value) return;
      connection.readOnly = value;
      // Tell the provider its new scope (its `authorizedScope` and `authenticated` event), as at join.
      connection.send(new OutgoingMessage(connection.messageAddress).writeAuthenticated(value).toUint8Array());
    },
    close(event: CloseEvent) {
      // Hocuspocus goes on handling a closed connection's queued frames: read-only, none of them is applied.
      connection.readOnly = true;
      // Tell the provider why (its `close` event carries the reason), then drop the socket so it
      // reconnects and re-authenticates: a revoked user is refused there with a reason of its own.
      connection.close(event);
      connection.webSocket.close(event.code, event.reason);
    },
  };
}
