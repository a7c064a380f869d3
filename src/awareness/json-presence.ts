/**
 * A JSON client's presence, kept as the awareness state a Yjs client would send (presence state v1,
 * see src/awareness/state.ts): `CursorMove`, `UserViewport`, `IdleStatus` and `Awareness` each update
 * one part of it, and the whole state goes to the presence module — which validates it, sets `user`
 * from the token, keeps `status` true to the activity rules, throttles and batches it — exactly as
 * for Yjs clients.
 */
import { clientPresenceSchema, ownFieldsOf, type Point, type PresenceStatus, type Viewport } from "./state.ts";

/** What a JSON client controls of its presence state; `status` only once it reported one. */
export interface JsonPresenceState {
  cursor: Point | null;
  viewport: Viewport | null;
  selection: string[];
  status?: PresenceStatus;
  activity?: number;
  /** The client's own fields (outside presence v1), relayed as they are within the server's bound. */
  [field: string]: unknown;
}

/** Keys that are not a client's own fields (`user` is the server's). */
const PRESENCE_KEYS: ReadonlySet<string> = new Set(["user", "cursor", "viewport", "selection", "status", "activity", "__proto__"]);

export class JsonPresence {
  private state: JsonPresenceState = { cursor: null, viewport: null, selection: [] };

  get current(): JsonPresenceState {
    return this.state;
  }

  cursor([x, y]: readonly [number, number]): JsonPresenceState {
    return this.update({ cursor: { x, y } });
  }

  viewport([x, y]: readonly [number, number], zoom: number): JsonPresenceState {
    return this.update({ viewport: { center: { x, y }, zoom } });
  }

  /** `IdleStatus`: the client's report, as a Yjs client puts it in its `status` field. */
  activity(isActive: boolean): JsonPresenceState {
    return this.update({ status: isActive ? "active" : "idle" });
  }

  /**
   * `Awareness`: the fields given replace the current ones — the presence fields (`cursor`, `viewport`,
   * `selection`, `status`, `activity`) validated, any other the client's own, relayed as it is (within
   * 2 KiB for all of them, as for Yjs clients); `user` and `__proto__` are ignored.
   *
   * @throws Error with a message for the client when a field has the wrong shape (nothing changes).
   */
  awareness(fields: Record<string, unknown>): JsonPresenceState {
    const parsed = clientPresenceSchema.safeParse(fields);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `state${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`).join("; ");
      throw new Error(detail.slice(0, 300));
    }
    const changes: Partial<JsonPresenceState> = {};
    for (const key of ["cursor", "viewport", "selection", "status", "activity"] as const) {
      if (parsed.data[key] !== undefined) Object.assign(changes, { [key]: parsed.data[key] });
    }
    for (const [key, value] of Object.entries(fields)) {
      if (!PRESENCE_KEYS.has(key)) changes[key] = value;
    }
    const merged = { ...this.state, ...changes };
    // Own fields beyond the bound would never be relayed: do not keep them either.
    const { cursor, viewport, selection, status, activity } = merged;
    this.state = { ...ownFieldsOf(merged), cursor, viewport, selection };
    if (status !== undefined) this.state.status = status;
    if (activity !== undefined) this.state.activity = activity;
    return this.state;
  }

  private update(changes: Partial<JsonPresenceState>): JsonPresenceState {
    this.state = { ...this.state, ...changes };
    return this.state;
  }
}
