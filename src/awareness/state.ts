import { z } from "zod";

/**
 * Presence state v1 (docs/SPEC.md PRES-1 to PRES-4), what every client in a room sees of every other:
 * `{ user: { id, name, color }, cursor: { x, y } | null, viewport: { center: { x, y }, zoom } | null,
 * selection: string[], status: "active" | "idle" | "away" }`.
 *
 * What a client may send is looser, and is documented here for client authors:
 * - every field is optional: a missing `cursor`/`viewport` is `null`, a missing `selection` is `[]`
 *   (a fresh provider's `{}` is a valid "present, nothing to show yet" state);
 * - `user` is ignored: the server sets it from the access token (colour assigned by the server);
 * - `status` is the client's report, read when it changes: `"away"` when the page is hidden, `"idle"`
 *   when the user stopped, `"active"` when the user is back. The server publishes the true status
 *   (activity.ts); when it changes a status on its own it publishes with a higher clock, so a Yjs
 *   client adopts it as its local state, and re-sending it is no report;
 * - `activity` (optional number, e.g. a timestamp): change it whenever the user does something the
 *   server cannot see (typing, scrolling a panel) — it counts as activity and is not relayed;
 * - any other top-level field is the client's own (an application's current tool or hovered element,
 *   what a standard Yjs binding sets, such as `name`): relayed as it is, after the v1 fields' keys are
 *   taken out, while all of them together serialise to at most `MAX_OWN_FIELDS_BYTES` (2 KiB) — fields
 *   are taken in order and one that would cross the bound is dropped, as is `__proto__`;
 * - a present v1 field of the wrong shape makes the whole state invalid, and an invalid state is
 *   dropped (the sender's previous state stays), never relayed.
 */
export const PRESENCE_STATUSES = ["active", "idle", "away"] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export interface Point {
  x: number;
  y: number;
}

export interface Viewport {
  center: Point;
  zoom: number;
}

export interface PresenceUser {
  id: string;
  name: string;
  color: string;
}

/** What the server publishes for a client: presence state v1 (plus the client's own fields, see above). */
export interface PresenceState {
  user: PresenceUser;
  cursor: Point | null;
  viewport: Viewport | null;
  selection: string[];
  status: PresenceStatus;
}

/** A client's own fields: everything outside presence v1, relayed as it is. */
export type OwnFields = Readonly<Record<string, unknown>>;

/** A validated client state: the fields a client controls, with its status report kept apart. */
export interface ClientPresence {
  cursor: Point | null;
  viewport: Viewport | null;
  selection: string[];
  /** The client's status report, if it sent one. */
  status: PresenceStatus | undefined;
  /** The client's activity marker, if it sent one. */
  activity: number | undefined;
  /** The client's own fields, bounded (`EMPTY_FIELDS` when none). */
  fields: OwnFields;
}

/** Most bytes (UTF-8) the JSON of a state's own fields may take, all of them together. */
export const MAX_OWN_FIELDS_BYTES = 2048;
/** The keys of presence v1 and its client-side extras: never own fields. */
const V1_KEYS: ReadonlySet<string> = new Set(["user", "cursor", "viewport", "selection", "status", "activity", "__proto__"]);
export const EMPTY_FIELDS: OwnFields = Object.freeze({});

/** Coordinates are canvas units; the bound keeps them finite and JSON-safe (inclusive, either sign). */
export const MAX_COORDINATE = 1e9;
const coordinate = z.number().min(-MAX_COORDINATE).max(MAX_COORDINATE);
const point = z.object({ x: coordinate, y: coordinate });
/** Ids are element ids (UUIDs in practice); the bounds keep one state small. */
export const MAX_SELECTION = 1000;

/** A cursor as a client sends it: a point, or null for "not on the canvas". */
const cursorSchema = point.nullable();

/** Zod schema of a client-sent state (objects strip unknown keys, including `user` and `__proto__`). */
export const clientPresenceSchema = z.object({
  cursor: cursorSchema.optional(),
  viewport: z.object({ center: point, zoom: z.number().positive().max(1e4) }).nullable().optional(),
  selection: z.array(z.string().min(1).max(128)).max(MAX_SELECTION).optional(),
  status: z.enum(PRESENCE_STATUSES).optional(),
  activity: z.number().optional(),
});

/** The validated form of a state a client sent, or undefined when it is not a valid presence state. */
export function parseClientPresence(value: unknown): ClientPresence | undefined {
  // JSON arrays are objects too; a state is a plain object.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const parsed = clientPresenceSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const s = parsed.data;
  return {
    cursor: s.cursor ?? null,
    viewport: s.viewport ?? null,
    selection: s.selection ?? [],
    status: s.status,
    activity: s.activity,
    fields: ownFieldsOf(value),
  };
}

/**
 * The fields of `state` outside presence v1, in order, each kept while the JSON of all those kept
 * stays within `MAX_OWN_FIELDS_BYTES`; one that would cross it is dropped and the next is tried.
 */
export function ownFieldsOf(state: object): OwnFields {
  let fields: Record<string, unknown> | undefined;
  // The JSON of the kept fields: "{" + entries joined by "," + "}".
  let bytes = 2;
  for (const key of Object.keys(state)) {
    if (V1_KEYS.has(key)) continue;
    const value: unknown = (state as Record<string, unknown>)[key];
    const text = JSON.stringify(value);
    if (text === undefined) continue;
    const entry = utf8Length(JSON.stringify(key)) + 1 + utf8Length(text) + (fields ? 1 : 0);
    if (bytes + entry > MAX_OWN_FIELDS_BYTES) continue;
    bytes += entry;
    (fields ??= {})[key] = value;
  }
  return fields ?? EMPTY_FIELDS;
}

/** Whether two sets of own fields are the same (same keys in the same order, same JSON). */
export function sameFields(a: OwnFields, b: OwnFields): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair: 4 bytes for 2 UTF-16 units (a lone surrogate is 3, as its replacement).
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i += 1;
        continue;
      }
    }
    if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/**
 * `previous` with its cursor replaced by `value` (parsed JSON): what `parseClientPresence` gives for
 * the same state with only its cursor changed; undefined when `value` is not a valid cursor.
 */
export function withCursor(previous: ClientPresence, value: unknown): ClientPresence | undefined {
  const parsed = cursorSchema.safeParse(value);
  return parsed.success ? movedTo(previous, parsed.data) : undefined;
}

/**
 * `previous` with its cursor replaced by `cursor`, which is valid already (the schema's output, or
 * read from a frame's bytes within the same bounds): both cursor paths build the state here.
 */
export function movedTo(previous: ClientPresence, cursor: Point | null): ClientPresence {
  return { ...previous, cursor };
}

export function samePoint(a: Point | null, b: Point | null): boolean {
  return a === b || (a !== null && b !== null && a.x === b.x && a.y === b.y);
}

export function sameViewport(a: Viewport | null, b: Viewport | null): boolean {
  return a === b || (a !== null && b !== null && a.zoom === b.zoom && samePoint(a.center, b.center));
}

export function sameSelection(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
