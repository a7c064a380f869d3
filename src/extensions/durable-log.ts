import type { Connection, Document, Extension, afterLoadDocumentPayload, beforeHandleMessagePayload } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import * as Y from "yjs";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { OutgoingStage, PassFrame, SocketOutput } from "../collab/stages.ts";
import { MessageType, readDocumentUpdate } from "../collab/wire.ts";
import { isConnectionContext } from "../collab/connection-context.ts";
import { connectionOrigin, editorOf, isServerEdit } from "../origins.ts";
import type { Logger } from "../logger.ts";
import type { UpdateLog } from "../storage/update-log.ts";
import { FOREIGN_KEY_VIOLATION } from "./persistence.ts";
import { updateProblem, type UpdateProblem } from "../collab/update-check.ts";

export interface DurableLogOptions {
  log: UpdateLog;
  logger: Logger;
  /** Room id → diagram id for server-side edits, which carry no connection context. */
  diagramOf: (roomId: string) => Promise<string | undefined>;
  /** True for a frame whose update the frame guard has checked already (`updateProblem`). */
  checked?: (frame: Uint8Array) => boolean;
  /** A client's update was refused: it does not decode, or it would not apply. */
  onRefused?: (problem: UpdateProblem) => void;
}

/**
 * Acknowledged means durable; applied does not wait for it. A client's document update is checked
 * (`updateProblem`: one that would not apply is refused, and nothing of it is applied, relayed or
 * stored), applied and broadcast, then handed to the update log (group commit), all in `receive` —
 * called by the live edit path (`collab/live-edits.ts`) or, for frames Hocuspocus handles, from
 * `beforeHandleMessage` (its own application that follows is a no-op) — so peers never wait for the
 * disk, and the log only ever holds updates that applied; but every SyncStatus (the
 * acknowledgement that brings the provider's `unsyncedChanges` to 0) is held until every update the
 * room applied before it — a client's or the server's — is in the log. Waiting for the room's updates, not only the sender's
 * own, matters twice: an edit may build on another that is not stored yet, and a provider that
 * reconnects after a failure finds its edit already in the room and sends nothing new, so its
 * acknowledgement must still wait until that edit is stored.
 *
 * If an append fails, the edit is already live: it is retried until it is stored, and the sender's
 * socket closes with `storage-unavailable` so that the provider knows; it reconnects and is
 * acknowledged once the edit is stored.
 *
 * Server-side edits (JSON protocol, restores, invariant repairs: origin `local`) are appended from the
 * document's `update` event; `settled(origin)` resolves once such an edit, and every update applied
 * before it, is stored (false if its diagram is gone and it never will be).
 */
export class DurableLog implements Extension, OutgoingStage {
  extensionName = "durable-log";
  priority = 950;
  private readonly localAppends = new WeakMap<object, Promise<boolean>>();
  private readonly rooms = new WeakMap<Document, RoomDurability>();
  private readonly holding = new WeakSet<Connection>();
  /** Per `/collab` socket, by address: the acknowledgements of the document connection there. */
  private readonly acknowledgements = new WeakMap<object, Map<string, Acknowledgements>>();

  constructor(private readonly options: DurableLogOptions) {}

  async beforeHandleMessage({ connection, update }: beforeHandleMessagePayload): Promise<void> {
    // Before anything of this connection is applied, so that every acknowledgement it gets is held.
    this.holdAcknowledgements(connection);
    if (connection.readOnly) return;
    const docUpdate = readDocumentUpdate(update);
    if (docUpdate) this.receive(connection, update, docUpdate);
  }

  /**
   * A client's document update (`docUpdate`, carried by `frame`): checked, applied, handed to the log;
   * the connection's acknowledgements are held from now on. Throws a `Refusal` (the socket closed
   * already) for an update that does not apply. Hocuspocus's path calls it from `beforeHandleMessage`,
   * the live edit path (`collab/live-edits.ts`) directly.
   */
  receive(connection: Connection, frame: Uint8Array, docUpdate: Uint8Array): void {
    this.holdAcknowledgements(connection);
    const { document, context } = connection;
    const documentName = document.name;
    if (isEmptyUpdate(docUpdate)) return;
    if (!isConnectionContext(context)) throw new Refusal(CloseCode.Unauthorized, CloseReason.PermissionDenied);
    // An update that does not apply must never reach the log (it would poison every later load),
    // the room or its peers. Updates of connected sockets were checked by the frame guard; those
    // Hocuspocus queued before authentication are checked here.
    const problem = this.options.checked?.(frame) ? undefined : updateProblem(docUpdate);
    if (problem) this.refuse(connection, problem, documentName);
    // Applied here, before it is stored, so that only an update that applied is stored and
    // acknowledged; on Hocuspocus's path y-protocols applies it next (a no-op then), and would only
    // print a failure.
    try {
      Y.applyUpdate(document, docUpdate, connectionOrigin(connection));
    } catch (error) {
      // The check above should make this unreachable; if not, the edit is neither stored nor acknowledged.
      this.options.logger.error({ err: error, roomId: documentName, bytes: docUpdate.length }, "a checked update failed to apply");
      this.refuse(connection, "unapplicable", documentName);
    }
    const entry = { diagramId: context.diagramId, data: docUpdate, userId: context.user.userId };
    const stored = this.untilStored(
      documentName,
      () => this.options.log.append(entry),
      (error) => {
        this.options.logger.error({ err: error, roomId: documentName, userId: entry.userId }, "update log append failed; edit not acknowledged, retrying");
        // The provider learns that its edit is not stored; it is acknowledged after it reconnects.
        connection.webSocket.close(CloseCode.StorageUnavailable, CloseReason.StorageUnavailable);
      },
    );
    this.durabilityOf(document).add(stored);
    void stored.then((kept) => {
      // The diagram was deleted meanwhile and nothing was stored: closed before the held
      // acknowledgement can go out.
      if (!kept) connection.webSocket.close(CloseCode.Gone, CloseReason.DiagramDeleted);
    });
  }

  /** Refuses a client's update: its socket is closed with the reason, and nothing of it is handled. */
  private refuse(connection: Connection, problem: UpdateProblem, roomId: string): never {
    this.options.onRefused?.(problem);
    const reason = problem === "undecodable" ? CloseReason.MalformedUpdate : CloseReason.UnapplicableUpdate;
    this.options.logger.info({ roomId, reason }, "document update refused; socket closed");
    connection.webSocket.close(CloseCode.BadRequest, reason);
    // Without a message: Hocuspocus prints a hook error's message (and stops handling the frame).
    throw new Refusal(CloseCode.BadRequest, reason, "");
  }

  /**
   * Server-side edits are caught from the document's own `update` event, synchronously, so that
   * `settled(origin)` knows about an edit as soon as its transaction returns. They count towards the
   * room's durability like client updates: a client's later edit may build on one.
   */
  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    document.on("update", (update: Uint8Array, origin: unknown) => {
      // Compaction folds in what is stored already: not a server edit.
      if (!isServerEdit(origin)) return;
      const userId = editorOf(origin);
      const stored = this.untilStored(
        documentName,
        async () => {
          const diagramId = await this.options.diagramOf(documentName);
          // No diagram behind the room any more: deleted, like a foreign-key violation below.
          if (!diagramId) throw Object.assign(new Error("the room's diagram is gone"), { code: FOREIGN_KEY_VIOLATION });
          await this.options.log.append({ diagramId, data: update, userId });
        },
        (error) => this.options.logger.error({ err: error, roomId: documentName }, "update log append of a server-side edit failed; retrying"),
      );
      const room = this.durabilityOf(document);
      room.add(stored);
      const before = room.whenStored() ?? Promise.resolve();
      this.localAppends.set(
        origin,
        Promise.all([before, stored]).then(([, kept]) => kept),
      );
    });
  }

  /**
   * Resolves when the server-side edit made with `origin` is in the log, with every update the room
   * applied before it (immediately if it changed nothing): true, or false when it was not stored
   * because the room's diagram is gone (deleted meanwhile) — such an edit must not be acknowledged.
   */
  settled(origin: object): Promise<boolean> {
    return this.localAppends.get(origin) ?? Promise.resolve(true);
  }

  private durabilityOf(document: Document): RoomDurability {
    let room = this.rooms.get(document);
    if (!room) this.rooms.set(document, (room = new RoomDurability()));
    return room;
  }

  /**
   * From now on the connection's SyncStatus frames are held by its socket's outgoing step (`attach`)
   * until the room's updates applied before each are stored.
   */
  private holdAcknowledgements(connection: Connection): void {
    if (this.holding.has(connection)) return;
    this.holding.add(connection);
    // Kept after the connection closes (an acknowledgement may still be on its way), until the socket goes.
    this.acknowledgements.get(connection.webSocket)?.set(connection.messageAddress, new Acknowledgements(connection.document));
  }

  /**
   * The `/collab` outgoing stage: a SyncStatus leaves only once the room's updates applied before it
   * are stored; a connection's acknowledgements keep their order.
   */
  attach(socket: WebSocket, next: PassFrame, output: SocketOutput): PassFrame {
    const connections = new Map<string, Acknowledgements>();
    this.acknowledgements.set(socket, connections);
    return (frame, header) => {
      const acknowledgements = header?.type === MessageType.SyncStatus ? connections.get(header.address) : undefined;
      const stored = acknowledgements && this.rooms.get(acknowledgements.document)?.whenStored();
      if (!acknowledgements || (!stored && acknowledgements.held === 0)) return next(frame, header);
      acknowledgements.held += 1;
      acknowledgements.queue = acknowledgements.queue
        .then(() => stored)
        .then(() => {
          acknowledgements.held -= 1;
          output.resume(next, frame);
        });
    };
  }

  /**
   * Runs `append` for an edit that is already live until it succeeds (backing off up to 5 s): true,
   * or false once its diagram is gone (deleted meanwhile: nothing is left to make durable); `failed`
   * hears of the first other failure. Never rejects.
   */
  private async untilStored(roomId: string, append: () => Promise<void>, failed: (error: unknown) => void): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await append();
        if (attempt > 0) this.options.logger.info({ roomId, attempts: attempt + 1 }, "update log append succeeded after retrying");
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
        if (attempt === 0) failed(error);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}

/** One document connection's acknowledgements: how many are held, and the chain that sends them in order. */
class Acknowledgements {
  held = 0;
  queue: Promise<void> = Promise.resolve();

  constructor(readonly document: Document) {}
}

/**
 * The updates a room has applied and the log does not hold yet. Appends never reject (a failed one is
 * retried until stored), so `whenStored` always settles.
 */
class RoomDurability {
  private pending = 0;
  private all: Promise<void> = Promise.resolve();

  add(stored: Promise<unknown>): void {
    this.pending += 1;
    const done = stored.then(() => {
      this.pending -= 1;
    });
    this.all = Promise.all([this.all, done]).then(() => undefined);
  }

  /** Resolves once every update added so far is stored; undefined when none is outstanding. */
  whenStored(): Promise<void> | undefined {
    if (this.pending > 0) return this.all;
    this.all = Promise.resolve();
    return undefined;
  }
}

/** An update with no structs and an empty delete set (what a client with nothing new sends). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
