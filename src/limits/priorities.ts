import { sameFields, sameSelection, samePoint, sameViewport, type ClientPresence } from "../awareness/state.ts";

/** Message priorities, docs/SPEC.md LIM-1 (metrics label values, in lower case). */
export const Priority = {
  Volatile: "volatile",
  Low: "low",
  Normal: "normal",
  Critical: "critical",
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/**
 * What a presence message is, by what it changed (docs/SPEC.md LIM-1), used as the metrics
 * `message_type` label and as `liveshare_rate_limits.message_type`.
 */
export const PresenceKind = {
  Cursor: "cursor",
  Viewport: "viewport",
  IdleStatus: "idle_status",
  Awareness: "awareness",
} as const;
export type PresenceKind = (typeof PresenceKind)[keyof typeof PresenceKind];

export const PRIORITY_OF_KIND: Readonly<Record<PresenceKind, Exclude<Priority, "critical">>> = {
  cursor: Priority.Volatile,
  viewport: Priority.Low,
  idle_status: Priority.Low,
  awareness: Priority.Normal,
};

/** Token buckets per connection (burst, refill per second): docs/SPEC.md LIM-2. */
export const PRESENCE_BUCKETS: Readonly<Record<Exclude<Priority, "critical">, { burst: number; perSecond: number }>> = {
  volatile: { burst: 120, perSecond: 60 },
  low: { burst: 60, perSecond: 30 },
  normal: { burst: 60, perSecond: 30 },
};

/**
 * Classifies a client's state against the one it sent before. One awareness message may change several
 * fields; the most important change decides: a selection or own-field change (or a first state, or a repeat —
 * the provider's 15 s heartbeat) is Normal awareness; a status report, activity marker or viewport
 * change is Low; a message that only moves the cursor is Volatile.
 */
export function classify(previous: ClientPresence | undefined, next: ClientPresence): PresenceKind {
  if (!previous || !sameSelection(previous.selection, next.selection) || !sameFields(previous.fields, next.fields)) return PresenceKind.Awareness;
  if (previous.status !== next.status || (next.activity !== undefined && previous.activity !== next.activity)) return PresenceKind.IdleStatus;
  if (!sameViewport(previous.viewport, next.viewport)) return PresenceKind.Viewport;
  if (!samePoint(previous.cursor, next.cursor)) return PresenceKind.Cursor;
  return PresenceKind.Awareness;
}

/**
 * Whether the user did something visible between the two states (moved, panned, selected, typed, or
 * changed an own field such as the current tool).
 */
export function showsActivity(previous: ClientPresence | undefined, next: ClientPresence): boolean {
  if (!previous) return false;
  return (
    !samePoint(previous.cursor, next.cursor) ||
    !sameViewport(previous.viewport, next.viewport) ||
    !sameSelection(previous.selection, next.selection) ||
    !sameFields(previous.fields, next.fields) ||
    (next.activity !== undefined && previous.activity !== next.activity)
  );
}
