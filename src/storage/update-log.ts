import type { Database } from "./database.ts";

export interface LogEntry {
  diagramId: string;
  data: Uint8Array;
  userId: string | null;
}

interface Pending extends LogEntry {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Rows per INSERT: three parameters each, well under PostgreSQL's 65535-parameter limit. */
const MAX_BATCH = 1000;

/**
 * Batches start at least this far apart. Under load (hundreds of edits a second) commits would
 * otherwise follow each other as fast as the database answers, one or two edits each — every one a
 * round trip, a wake-up of the database's process and a WAL flush, competing with the server for the
 * same cores. Spaced out, each carries more edits; an acknowledgement waits at most this much longer,
 * and at a few edits a second (batches further apart than this anyway) not at all.
 */
const MIN_BATCH_SPACING_MS = 5;

/**
 * The durable update log with group commit. `append` resolves once the entry is committed. While one
 * batch is being written, new entries queue up and go out together in the next single INSERT, so
 * many concurrent writers cost a few transactions rather than one each.
 */
export class UpdateLog {
  private queue: Pending[] = [];
  private writing = false;
  /** When the last batch started (performance.now()). */
  private lastStarted = Number.NEGATIVE_INFINITY;
  /** Observers of each written batch (metrics): size and how long the INSERT took. */
  onBatch: ((entries: number, seconds: number, error?: unknown) => void) | undefined;

  constructor(private readonly db: Database) {}

  append(entry: LogEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...entry, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // After the event loop's current round of I/O: the edits of every socket that had data in it
        // share the first batch (a microtask would start it after the first of them, alone).
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Entries waiting for the next batch. */
  get pending(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const wait = this.lastStarted + MIN_BATCH_SPACING_MS - performance.now();
      if (wait > 0 && this.queue.length < MAX_BATCH) await new Promise((resolve) => setTimeout(resolve, wait));
      const batch = this.queue.splice(0, MAX_BATCH);
      const started = performance.now();
      this.lastStarted = started;
      try {
        await this.write(batch);
        this.onBatch?.(batch.length, (performance.now() - started) / 1000);
        for (const entry of batch) entry.resolve();
      } catch (error) {
        this.onBatch?.(batch.length, (performance.now() - started) / 1000, error);
        if (batch.length === 1) batch[0]!.reject(error);
        // One bad row (a diagram deleted a moment ago) fails the whole INSERT: write the entries one by
        // one, so that each gets its own answer and nobody is told of another diagram's failure.
        else await this.writeEach(batch);
      }
    }
    this.writing = false;
  }

  private async writeEach(batch: Pending[]): Promise<void> {
    for (const entry of batch) {
      try {
        await this.write([entry]);
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const values: string[] = [];
    const params: unknown[] = [];
    for (const entry of batch) {
      values.push(`($${params.length + 1}, $${params.length + 2}, $${params.length + 3})`);
      params.push(entry.diagramId, entry.data, entry.userId);
    }
    await this.db.query(`INSERT INTO diagram_updates (diagram_id, data, user_id) VALUES ${values.join(", ")}`, params);
  }
}
