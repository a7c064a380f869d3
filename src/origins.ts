import { isTransactionOrigin, type Connection, type ConnectionTransactionOrigin, type LocalTransactionOrigin } from "@hocuspocus/server";

/**
 * Transaction origins: who changed a room's document or awareness, so that each listener can tell
 * its own changes from others' (no echo to the author, no storage loops).
 *
 * Hocuspocus's convention, which these keep: `{source: "connection", connection}` for a client's
 * update, `{source: "redis"}` for another instance's, `{source: "local", context?, skipStoreHooks?}`
 * for the server's own — Hocuspocus sends a local change to the room's clients, the Redis extension
 * publishes it, and hooks (`onChange`, `onStoreDocument`) receive its `context`. Every LiveShare
 * origin is `local`, its `context.kind` saying what made it.
 */
export const OriginKind = {
  /** A JSON-protocol client's GraphOp. */
  Json: "json",
  /** A schema import (JSON protocol or REST). */
  Import: "import",
  /** A diagram renamed through REST. */
  Rename: "rename",
  /** A snapshot restored. */
  Restore: "restore",
  /** The schema guard's repair of the document's invariants. */
  Repair: "invariants",
  /** Stored updates folded into a live document by compaction. */
  Compaction: "compaction",
  /** Presence the server applies: JSON clients' states, and presence's batched flushes. */
  Presence: "presence",
  /** A loaded room's state offered to the other instances after a Redis outage (Redis's `onChange` only). */
  Resync: "resync",
} as const;
export type OriginKind = (typeof OriginKind)[keyof typeof OriginKind];

/** Kinds of edits made on someone's request, each with an origin of its own (`serverEdit`). */
export type EditKind = typeof OriginKind.Json | typeof OriginKind.Import | typeof OriginKind.Rename | typeof OriginKind.Restore;

/** What made a server-side change (Hocuspocus hands it to hooks as `context`). */
export interface OriginContext {
  readonly kind: OriginKind;
  /** The user the edit was made for (the update log's `user_id`). */
  readonly userId?: string;
  readonly snapshotId?: string;
  /** The JSON connection whose edit it is. */
  readonly connectionKey?: string;
}

/** A LiveShare origin: Hocuspocus's `local` source, with what made it. */
export interface ServerOrigin extends LocalTransactionOrigin {
  readonly source: "local";
  readonly skipStoreHooks?: boolean;
  readonly context: OriginContext;
}

/**
 * A fresh origin for one edit made on a request: the durable log tells when exactly this edit is
 * stored (`durableLog.settled(origin)`), and the JSON protocol's broadcaster who its author is.
 *
 * @example
 * const origin = serverEdit(OriginKind.Restore, { userId, snapshotId });
 * document.transact(() => replaceSchema(document, target), origin);
 * await core.durableLog.settled(origin);
 */
export function serverEdit(kind: EditKind, details: Omit<OriginContext, "kind"> = {}): ServerOrigin {
  return { source: "local", context: { kind, ...details } };
}

/** The schema guard's repairs: valid by construction, stored like any server-side edit. */
export const REPAIR_ORIGIN: ServerOrigin = { source: "local", context: { kind: OriginKind.Repair } };

/**
 * Stored updates folded into a live document by compaction. They are durable already, so nothing
 * stores or logs them again (`skipStoreHooks`; the durable log skips them), but as a local change
 * Hocuspocus sends whatever this instance lacked to its clients and the Redis extension publishes it.
 * Recognised by identity (`isCompaction`).
 */
export const COMPACTION_ORIGIN: ServerOrigin = { source: "local", skipStoreHooks: true, context: { kind: OriginKind.Compaction } };

/** Presence applied by the server (a JSON client's, or a batched flush): Hocuspocus relays it to Yjs clients. */
export const PRESENCE_ORIGIN: ServerOrigin = { source: "local", context: { kind: OriginKind.Presence } };

/** Offered to Redis's `onChange` after an outage so that it publishes a loaded room's state; never applied. */
export const RESYNC_ORIGIN: ServerOrigin = { source: "local", context: { kind: OriginKind.Resync } };

/** Hocuspocus's origin of a client's update, applied for `connection` (as Hocuspocus applies it). */
export function connectionOrigin(connection: Connection): ConnectionTransactionOrigin {
  return { source: "connection", connection };
}

/** The connection whose update this is; undefined for any other origin. */
export function connectionOf(origin: unknown): Connection | undefined {
  return isTransactionOrigin(origin) && origin.source === "connection" ? origin.connection : undefined;
}

/**
 * A change the server made itself (any `local` origin — LiveShare's, or a Hocuspocus direct
 * connection's — but compaction's): valid by construction, and not in the update log yet.
 */
export function isServerEdit(origin: unknown): origin is LocalTransactionOrigin {
  return isTransactionOrigin(origin) && origin.source === "local" && !isCompaction(origin);
}

/** Stored updates folded in by compaction: merges, like a client's, but durable already. */
export function isCompaction(origin: unknown): boolean {
  return origin === COMPACTION_ORIGIN;
}

/** The user a server-side edit was made for, or null (a repair, an edit without a user). */
export function editorOf(origin: LocalTransactionOrigin): string | null {
  return (origin.context as OriginContext | undefined)?.userId ?? null;
}
