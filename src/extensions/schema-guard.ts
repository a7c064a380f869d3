import type { Extension, afterLoadDocumentPayload, afterUnloadDocumentPayload, Document } from "@hocuspocus/server";
import type * as Y from "yjs";
import { ElementVersions, repairAfterTransaction, repairInvariants } from "../schema-doc/index.ts";
import type { LiveRooms } from "../rooms/live-rooms.ts";
import type { Logger } from "../logger.ts";
import { REPAIR_ORIGIN, isServerEdit } from "../origins.ts";

export interface SchemaGuardOptions {
  rooms: LiveRooms;
  logger: Logger;
  onRepair?: (count: number) => void;
  /** The room's document was unloaded (caches keyed by room can let go of it). */
  onUnload?: (roomId: string) => void;
}

/**
 * Keeps each loaded room's document valid and versioned: per-element versions for the JSON protocol,
 * and the schema invariants restored after every merge from a client or another instance (a
 * relationship whose table or column vanished is removed; duplicate column ids are resolved the same
 * way on every replica).
 */
export class SchemaGuard implements Extension {
  extensionName = "schema-guard";
  priority = 900;
  private readonly versions = new Map<string, ElementVersions>();
  private readonly detach = new Map<string, () => void>();

  constructor(private readonly options: SchemaGuardOptions) {}

  versionsOf(roomId: string): ElementVersions | undefined {
    return this.versions.get(roomId);
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    // A document stored before a repair (or written by a careless third-party client) starts valid.
    const repaired = repairInvariants(document, REPAIR_ORIGIN);
    if (repaired > 0) this.options.onRepair?.(repaired);
    this.versions.set(documentName, new ElementVersions(document));
    const onTransaction = (transaction: Y.Transaction) => this.afterTransaction(document, transaction);
    document.on("afterTransaction", onTransaction);
    this.detach.set(documentName, () => document.off("afterTransaction", onTransaction));
    this.options.rooms.add(document);
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.detach.get(documentName)?.();
    this.detach.delete(documentName);
    this.versions.get(documentName)?.destroy();
    this.versions.delete(documentName);
    this.options.rooms.remove(documentName);
    this.options.onUnload?.(documentName);
  }

  private afterTransaction(document: Document, transaction: Y.Transaction): void {
    const origin = transaction.origin;
    // Our own edits are valid by construction; only merges — from clients, other instances, or stored
    // updates folded in by compaction — can combine into an invalid state.
    if (isServerEdit(origin)) return;
    const repaired = repairAfterTransaction(document, transaction, REPAIR_ORIGIN);
    if (repaired > 0) {
      this.options.onRepair?.(repaired);
      this.options.logger.info({ roomId: document.name, repaired }, "schema invariants restored after a merge");
    }
  }
}
