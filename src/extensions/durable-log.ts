import type { Extension, afterLoadDocumentPayload, beforeHandleMessagePayload } from "@hocuspocus/server";
import { isTransactionOrigin } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import { isConnectionContext } from "../context.ts";
import type { Logger } from "../logger.ts";
import type { UpdateLog } from "../storage/update-log.ts";
import { FOREIGN_KEY_VIOLATION } from "./persistence.ts";

/** y-protocols message numbers (the Hocuspocus wire format wraps them in a document-name prefix). */
const MessageType = { Sync: 0, SyncReply: 4 } as const;
const SyncType = { Step2: 1, Update: 2 } as const;

export interface DurableLogOptions {
  log: UpdateLog;
  logger: Logger;
  /** Room id → diagram id for server-side edits, which carry no connection context. */
  diagramOf: (roomId: string) => Promise<string | undefined>;
}

/**
 * Acknowledged means durable. A client's document update is appended to the update log (group
 * commit) in `beforeHandleMessage` — before Hocuspocus applies it and sends the SyncStatus that brings
 * the provider's `unsyncedChanges` to 0. If the append fails nothing is applied or acknowledged: the
 * socket closes with `storage-unavailable`, and the provider resends the change when it reconnects.
 *
 * Server-side edits (JSON protocol, restores, invariant repairs: origin `local`) are applied first and
 * appended from the document's `update` event; `settled(origin)` resolves once such an edit is durable.
 */
export class DurableLog implements Extension {
  extensionName = "durable-log";
  priority = 950;
  private readonly localAppends = new WeakMap<object, Promise<void>>();

  constructor(private readonly options: DurableLogOptions) {}

  async beforeHandleMessage({ connection, document, update, context, documentName }: beforeHandleMessagePayload): Promise<void> {
    if (connection.readOnly) return;
    const docUpdate = documentUpdateOf(update);
    if (!docUpdate || isEmptyUpdate(docUpdate)) return;
    if (!isConnectionContext(context)) throw new Refusal(CloseCode.Unauthorized, CloseReason.PermissionDenied);
    try {
      // A malformed update must never reach the log: it would poison every later load.
      Y.decodeUpdate(docUpdate);
    } catch {
      throw new Refusal(CloseCode.BadRequest, "malformed-update", "the document update could not be decoded");
    }
    try {
      await this.options.log.append({ diagramId: context.diagramId, data: docUpdate, userId: context.user.userId });
    } catch (error) {
      this.options.logger.error({ err: error, roomId: documentName, userId: context.user.userId }, "update log append failed; update not acknowledged");
      const refusal = new Refusal(CloseCode.StorageUnavailable, CloseReason.StorageUnavailable);
      // Hocuspocus closes the document connection on the throw; closing the socket too makes the
      // provider reconnect and resend the unacknowledged change.
      setImmediate(() => connection.webSocket.close(refusal.code, refusal.reason));
      throw refusal;
    }
    if (connection.readOnly) {
      // Downgraded to viewer while this edit was being stored: it was sent with edit rights and is in
      // the log, so it is applied here (Hocuspocus will now refuse it), or it would reappear on reload.
      Y.applyUpdate(document, docUpdate, { source: "connection", connection });
    }
  }

  /**
   * Server-side edits are caught from the document's own `update` event, synchronously, so that
   * `settled(origin)` knows about an edit as soon as its transaction returns.
   */
  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    document.on("update", (update: Uint8Array, origin: unknown) => {
      if (!isTransactionOrigin(origin) || origin.source !== "local") return;
      const context = origin.context as { userId?: string; kind?: string } | undefined;
      // Compaction folds in what is stored already.
      if (context?.kind === "compaction") return;
      const appended = this.appendLocal(documentName, update, context?.userId ?? null);
      this.localAppends.set(origin, appended);
    });
  }

  /** Resolves when the server-side edit made with `origin` is in the log (immediately if it changed nothing). */
  settled(origin: object): Promise<void> {
    return this.localAppends.get(origin) ?? Promise.resolve();
  }

  /** Server-side edits are already live, so a failed append is retried until it succeeds. */
  private async appendLocal(roomId: string, data: Uint8Array, userId: string | null): Promise<void> {
    const diagramId = await this.options.diagramOf(roomId);
    if (!diagramId) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.log.append({ diagramId, data, userId });
        return;
      } catch (error) {
        // The diagram was deleted meanwhile: there is nothing left to make durable.
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return;
        if (attempt === 0) this.options.logger.error({ err: error, roomId }, "update log append of a server-side edit failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }
}

/** The Yjs update carried by a Hocuspocus frame (sync step 2 or update), or null for anything else. */
export function documentUpdateOf(frame: Uint8Array): Uint8Array | null {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
  const syncType = decoding.readVarUint(decoder);
  if (syncType !== SyncType.Step2 && syncType !== SyncType.Update) return null;
  return decoding.readVarUint8Array(decoder);
}

/** An update with no structs and an empty delete set (what a client with nothing new sends). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
