import type { Extension, onLoadDocumentPayload, onStoreDocumentPayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { Access } from "../rooms/access.ts";
import type { DocumentStore } from "../storage/documents.ts";
import type { Logger } from "../logger.ts";

/** PostgreSQL: a row refers to one that does not exist (here: the diagram was deleted). */
export const FOREIGN_KEY_VIOLATION = "23503";

export interface PersistenceOptions {
  access: Access;
  documents: DocumentStore;
  logger: Logger;
  onLoaded?: (seconds: number, logEntries: number) => void;
  onStored?: (seconds: number, bytes: number, error?: unknown) => void;
}

/**
 * Loads a room's document from its diagram (compacted state + durable log) and, on Hocuspocus's store
 * debounce, compacts the log into the state. Durability does not depend on this store: every update
 * is in the log before it is acknowledged (see `durable-log.ts`).
 *
 * The stored document is read straight into the room's (not built aside, encoded and applied again, as
 * Hocuspocus's database extension would): a large diagram is decoded once.
 */
export function persistence({ access, documents, logger, onLoaded, onStored }: PersistenceOptions): Extension {
  return {
    extensionName: "persistence",
    async onLoadDocument({ documentName, document }: onLoadDocumentPayload) {
      let diagramId: string | undefined;
      try {
        diagramId = await access.diagramOf(documentName);
        // Deleted between the client's admission and this load.
        if (!diagramId) throw new Refusal(CloseCode.Gone, CloseReason.DiagramDeleted, "");
        const started = performance.now();
        const loaded = await documents.loadInto(diagramId, document);
        onLoaded?.((performance.now() - started) / 1000, loaded.logEntries);
        logger.info({ roomId: documentName, diagramId, logEntries: loaded.logEntries, skipped: loaded.skipped }, "document loaded");
      } catch (error) {
        if (error instanceof Refusal) throw error;
        // Not the client's access: the room could not be read. Both protocols tell it as such
        // (Hocuspocus sends a hook error's `reason` in its refusal; the JSON connection its own).
        logger.error({ err: error, roomId: documentName, diagramId }, "document load failed");
        throw new Refusal(CloseCode.StorageUnavailable, CloseReason.RoomUnavailable, "");
      }
    },
    async onStoreDocument({ documentName, document }: onStoreDocumentPayload) {
      const diagramId = await access.diagramOf(documentName);
      if (!diagramId) return;
      const started = performance.now();
      try {
        const result = await documents.compact(diagramId, document);
        onStored?.((performance.now() - started) / 1000, result.stateBytes);
        if (result.skipped > 0) logger.error({ roomId: documentName, diagramId, skipped: result.skipped }, "compaction dropped stored updates that do not apply");
        logger.debug({ roomId: documentName, diagramId, ...result }, "document compacted");
      } catch (error) {
        // The diagram was deleted while its room was open: nothing is left to store, and throwing
        // would keep the document in memory for ever.
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
          logger.info({ roomId: documentName, diagramId }, "diagram deleted; its room is not stored");
          return;
        }
        onStored?.((performance.now() - started) / 1000, 0, error);
        // Not rethrown: Hocuspocus would keep the room in memory (and shutdown would wait for it) for
        // a compaction that durability does not need — the update log holds every acknowledged change.
        logger.error({ err: error, roomId: documentName, diagramId }, "document store failed; the update log still holds every acknowledged change");
      }
    },
  };
}
