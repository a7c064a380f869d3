import type { Document } from "@hocuspocus/server";
import * as Y from "yjs";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Access } from "../rooms/access.ts";
import type { LiveRooms } from "../rooms/live-rooms.ts";
import type { Database } from "../storage/database.ts";
import type { DocumentStore } from "../storage/documents.ts";
import type { SnapshotReason, SnapshotRow, SnapshotStore } from "../storage/snapshots.ts";
import { decodeSnapshot, encodeSnapshot } from "./codec.ts";
import { elementCount } from "./element-count.ts";

/** How many recent snapshots each room keeps in memory (docs/SPEC.md DUR-7). */
export const SNAPSHOTS_IN_MEMORY = 10;

export interface Snapshot {
  id: string;
  /** The Yjs update (uncompressed). */
  data: Uint8Array;
  element_count: number;
  created_at: string;
}

/** A per-room lock so that, with several instances, each interval's snapshot is taken once. */
export type RoomLock = (roomId: string, ttlMs: number) => Promise<boolean>;

export interface SnapshotManagerOptions {
  db: Database;
  documents: DocumentStore;
  snapshots: SnapshotStore;
  rooms: LiveRooms;
  access: Access;
  intervalMs: number;
  retention: number;
  logger: Logger;
  metrics: Metrics;
  /** Absent with a single instance (always granted). */
  lock?: RoomLock;
}

/**
 * Snapshots (docs/SPEC.md DUR-7): every interval, each loaded room whose document changed is
 * snapshotted — stored compactly with its size and element count, and the update log compacted into
 * the document state in the same transaction, so loading stays "latest state + short log tail".
 */
export class SnapshotManager {
  private timer: NodeJS.Timeout | undefined;
  private readonly recent = new Map<string, Snapshot[]>();
  /** Room → document.lastChangeTime covered by this instance's last snapshot check. */
  private readonly covered = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: SnapshotManagerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Snapshots every loaded room that changed since its last snapshot. */
  async tick(): Promise<void> {
    for (const roomId of this.options.rooms.roomIds()) {
      const document = this.options.rooms.get(roomId);
      if (!document || document.isLoading || document.lastChangeTime <= (this.covered.get(roomId) ?? 0)) continue;
      try {
        await this.snapshotIfFirst(roomId, document);
      } catch (error) {
        this.options.logger.error({ err: error, roomId }, "snapshot failed");
      }
    }
    for (const roomId of new Set([...this.recent.keys(), ...this.covered.keys()])) {
      if (!this.options.rooms.get(roomId)) {
        this.recent.delete(roomId);
        this.covered.delete(roomId);
      }
    }
  }

  private async snapshotIfFirst(roomId: string, document: Document): Promise<void> {
    const changedAt = document.lastChangeTime;
    if (this.options.lock && !(await this.options.lock(roomId, Math.max(1, this.options.intervalMs - 50)))) return;
    this.covered.set(roomId, changedAt);
    await this.take(roomId, document, "interval");
  }

  /**
   * On graceful shutdown: a `shutdown` snapshot of every loaded room that changed since this
   * instance's last snapshot of it, so the history ends with the state the server stopped at.
   */
  async snapshotAll(reason: "shutdown"): Promise<number> {
    let taken = 0;
    for (const roomId of this.options.rooms.roomIds()) {
      const document = this.options.rooms.get(roomId);
      if (!document || document.isLoading || document.lastChangeTime <= (this.covered.get(roomId) ?? 0)) continue;
      try {
        this.covered.set(roomId, document.lastChangeTime);
        if (await this.take(roomId, document, reason)) taken += 1;
      } catch (error) {
        this.options.logger.error({ err: error, roomId }, "snapshot failed");
      }
    }
    return taken;
  }

  /**
   * Takes a snapshot of the room now. `interval` and `shutdown` snapshots are skipped (undefined)
   * when the latest stored snapshot already has exactly this state — e.g. another instance took it;
   * the two around a restore are always taken, so the history shows the restore and can undo it.
   */
  async take(roomId: string, document: Document, reason: SnapshotReason): Promise<Snapshot | undefined> {
    const diagramId = await this.options.access.diagramOf(roomId);
    if (!diagramId) return undefined;
    const started = performance.now();
    const count = elementCount(document);
    const presentUserIds = this.options.rooms.usersPresent(roomId).map((u) => u.user_id);
    let update: Uint8Array = new Uint8Array(0);
    const row = await this.options.db.transaction(async (tx) => {
      const [latest] = await tx.query<{ state_vector: Uint8Array | null }>(
        "SELECT state_vector FROM liveshare_snapshots WHERE session_id = $1 ORDER BY created_at DESC LIMIT 1",
        [roomId],
      );
      const skipIfUnchanged = reason === "interval" || reason === "shutdown";
      if (skipIfUnchanged && latest?.state_vector && Buffer.compare(Buffer.from(latest.state_vector), Buffer.from(Y.encodeStateVector(document))) === 0) {
        return undefined;
      }
      // Compaction first: it folds anything stored that this instance had not seen into the document.
      await this.options.documents.compact(diagramId, document, tx);
      const stateVector = Y.encodeStateVector(document);
      update = Y.encodeStateAsUpdateV2(document);
      const { data, compressed, encoding } = encodeSnapshot(update);
      const inserted = await this.options.snapshots.insert(
        { sessionId: roomId, diagramId, data, compressed, encoding, elementCount: count, presentUserIds, reason },
        tx,
      );
      await tx.query("UPDATE liveshare_snapshots SET state_vector = $2 WHERE id = $1", [inserted.id, stateVector]);
      await this.options.snapshots.prune(roomId, this.options.retention, tx);
      return inserted;
    });
    if (!row) return undefined;
    const seconds = (performance.now() - started) / 1000;
    this.options.metrics.snapshotCreation.observe(seconds);
    this.options.metrics.snapshotSize.observe(row.size_bytes);
    this.options.metrics.snapshotsCreated.inc();
    this.options.logger.debug({ roomId, diagramId, bytes: row.size_bytes, elements: count, compressed: row.compressed, seconds, reason }, "snapshot created");
    const v2 = update;
    let v1: Uint8Array | undefined;
    const snapshot: Snapshot = {
      id: row.id,
      // Converted only if someone asks (a joining JSON client): most snapshots are never read.
      get data() {
        return (v1 ??= Y.convertUpdateFormatV2ToV1(v2));
      },
      element_count: count,
      created_at: row.created_at,
    };
    const recent = this.recent.get(roomId) ?? [];
    recent.unshift(snapshot);
    recent.length = Math.min(recent.length, SNAPSHOTS_IN_MEMORY);
    this.recent.set(roomId, recent);
    return snapshot;
  }

  /** The room's most recent snapshot: from memory when this instance took it, else from the database. */
  async latest(roomId: string): Promise<Snapshot | undefined> {
    const inMemory = this.recent.get(roomId)?.[0];
    if (inMemory) return inMemory;
    const [row] = await this.options.snapshots.list(roomId, 1);
    return row ? this.load(row) : undefined;
  }

  /** The in-memory snapshots of a room, newest first. */
  inMemory(roomId: string): readonly Snapshot[] {
    return this.recent.get(roomId) ?? [];
  }

  async load(row: SnapshotRow): Promise<Snapshot | undefined> {
    const cached = this.recent.get(row.session_id)?.find((s) => s.id === row.id);
    if (cached) return cached;
    const stored = await this.options.snapshots.data(row.id);
    if (!stored) return undefined;
    return {
      id: stored.id,
      data: decodeSnapshot(stored.snapshot_data, stored.compressed, stored.encoding),
      element_count: stored.element_count,
      created_at: stored.created_at,
    };
  }
}
