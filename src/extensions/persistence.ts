import { Database as DatabaseExtension } from "@hocuspocus/extension-database";
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
 */
export function persistence({ access, documents, logger, onLoaded, onStored }: PersistenceOptions): DatabaseExtension {
  const extension = new DatabaseExtension({
    async fetch({ documentName }) {
      const diagramId = await access.diagramOf(documentName);
      if (!diagramId) throw new Error(`room ${documentName} has no diagram`);
      const started = performance.now();
      const stored = await documents.load(diagramId);
      onLoaded?.((performance.now() - started) / 1000, stored.logEntries);
      if (stored.skipped > 0) logger.error({ roomId: documentName, diagramId, skipped: stored.skipped }, "skipped undecodable log entries");
      logger.info({ roomId: documentName, diagramId, logEntries: stored.logEntries }, "document loaded");
      return stored.update;
    },
    async store({ documentName, document }) {
      const diagramId = await access.diagramOf(documentName);
      if (!diagramId) return;
      const started = performance.now();
      try {
        const result = await documents.compact(diagramId, document);
        onStored?.((performance.now() - started) / 1000, result.stateBytes);
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
  });
  return Object.assign(extension, { extensionName: "persistence" });
}
