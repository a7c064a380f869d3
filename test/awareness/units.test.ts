import { describe, expect, it } from "vitest";
import { Awareness, applyAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { Activity, liveliest } from "../../src/awareness/activity.ts";
import { setAwarenessStates } from "../../src/awareness/apply.ts";
import { colorFor } from "../../src/awareness/color.ts";
import { classify } from "../../src/limits/priorities.ts";
import { EMPTY_FIELDS, MAX_OWN_FIELDS_BYTES, MAX_SELECTION, parseClientPresence, type ClientPresence } from "../../src/awareness/state.ts";
import { TokenBucket } from "../../src/limits/token-bucket.ts";
import { encodeAwarenessEntries } from "../../src/collab/wire.ts";

describe("token bucket", () => {
  // SPEC: LIM-2
  it("allows a burst, then the refill rate, and never more than the burst", () => {
    const bucket = new TokenBucket(120, 60, 0);
    let taken = 0;
    while (bucket.take(0)) taken += 1;
    expect(taken).toBe(120);
    expect(bucket.msUntilToken(0)).toBe(17);
    // One second later: 60 more.
    taken = 0;
    while (bucket.take(1000)) taken += 1;
    expect(taken).toBe(60);
    // A long pause refills to the burst, not beyond.
    taken = 0;
    while (bucket.take(100_000)) taken += 1;
    expect(taken).toBe(120);
  });

  // SPEC: LIM-3
  it("charges messages that are never dropped into debt", () => {
    const bucket = new TokenBucket(20, 10, 0);
    for (let i = 0; i < 20; i++) expect(bucket.charge(0)).toBeGreaterThanOrEqual(0);
    expect(bucket.charge(0)).toBe(-1);
    expect(bucket.charge(1000)).toBe(8);
  });
});

describe("activity", () => {
  const thresholds = { idleAfterMs: 30_000, awayAfterMs: 600_000 };

  // SPEC: PRES-5
  it("goes idle after 30 s and away after 600 s without activity", () => {
    const activity = new Activity(0, thresholds);
    expect(activity.update(29_999)).toBe(false);
    expect(activity.status).toBe("active");
    expect(activity.update(30_000)).toBe(true);
    expect(activity.status).toBe("idle");
    expect(activity.update(600_000)).toBe(true);
    expect(activity.status).toBe("away");
    activity.touch(600_001);
    activity.update(600_001);
    expect(activity.status).toBe("active");
  });

  // SPEC: PRES-7
  it("follows what the client reports: a hidden page is away until it reports otherwise", () => {
    const activity = new Activity(0, thresholds);
    activity.report("away", 1);
    activity.update(1);
    expect(activity.status).toBe("away");
    activity.touch(2);
    activity.update(2);
    expect(activity.status).toBe("away");
    activity.report("active", 3);
    activity.update(3);
    expect(activity.status).toBe("active");
    activity.report("idle", 4);
    activity.update(4);
    expect(activity.status).toBe("idle");
    activity.touch(5);
    activity.update(5);
    expect(activity.status).toBe("active");
  });

  // SPEC: PRES-7
  it("ranks a user's connections by the liveliest", () => {
    expect(liveliest(liveliest(undefined, "away"), "idle")).toBe("idle");
    expect(liveliest("active", "idle")).toBe("active");
  });
});

describe("client presence validation", () => {
  // SPEC: PRES-3, PRES-14
  it("fills in what a client left out, keeps its own fields, and drops the claimed user and __proto__", () => {
    expect(parseClientPresence({})).toEqual({ cursor: null, viewport: null, selection: [], status: undefined, activity: undefined, fields: {} });
    const parsed = parseClientPresence(JSON.parse('{"cursor":{"x":1,"y":2,"z":3},"user":{"id":"x"},"__proto__":{"polluted":true},"extra":1}'));
    expect(parsed).toEqual({ cursor: { x: 1, y: 2 }, viewport: null, selection: [], status: undefined, activity: undefined, fields: { extra: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // SPEC: PRES-14
  it("keeps own fields while together they serialise to 2 KiB at most, dropping one that would cross it", () => {
    const big = "x".repeat(MAX_OWN_FIELDS_BYTES);
    const parsed = parseClientPresence({ name: "Ada", huge: big, tool: "select" });
    expect(parsed?.fields).toEqual({ name: "Ada", tool: "select" });
    // Exactly at the bound is kept: {"k":"…"} is 8 bytes around the value, and "é" is two bytes.
    const exact = "é".repeat((MAX_OWN_FIELDS_BYTES - 8) / 2);
    expect(parseClientPresence({ k: exact })?.fields).toEqual({ k: exact });
    expect(parseClientPresence({ k: `${exact}a` })?.fields).toEqual({});
  });

  // SPEC: PRES-3, PRES-4
  it("refuses states of the wrong shape", () => {
    const invalid: unknown[] = [
      null,
      "state",
      [],
      { cursor: { x: "1", y: 2 } },
      { cursor: { x: 1 } },
      { cursor: { x: 1e12, y: 0 } },
      { viewport: { center: { x: 0, y: 0 }, zoom: 0 } },
      { viewport: { center: { x: 0, y: 0 } } },
      { selection: "t1" },
      { selection: [""] },
      { selection: Array.from({ length: MAX_SELECTION + 1 }, (_, i) => `t${i}`) },
      { status: "busy" },
      { activity: "now" },
    ];
    for (const state of invalid) expect(parseClientPresence(state), JSON.stringify(state)?.slice(0, 60)).toBeUndefined();
  });
});

describe("message classification", () => {
  const base: ClientPresence = { cursor: { x: 0, y: 0 }, viewport: null, selection: [], status: undefined, activity: undefined, fields: EMPTY_FIELDS };

  // SPEC: LIM-1
  it("names a message by the most important thing it changed", () => {
    expect(classify(undefined, base)).toBe("awareness");
    expect(classify(base, { ...base, cursor: { x: 1, y: 0 } })).toBe("cursor");
    expect(classify(base, { ...base, viewport: { center: { x: 0, y: 0 }, zoom: 2 } })).toBe("viewport");
    expect(classify(base, { ...base, status: "away" })).toBe("idle_status");
    expect(classify(base, { ...base, activity: 5 })).toBe("idle_status");
    expect(classify(base, { ...base, cursor: { x: 9, y: 9 }, selection: ["t1"] })).toBe("awareness");
    expect(classify(base, { ...base, cursor: { x: 9, y: 9 }, fields: { tool: "pen" } })).toBe("awareness");
    // A repeat (the provider's heartbeat) is plain awareness.
    expect(classify(base, { ...base })).toBe("awareness");
  });
});

describe("setAwarenessStates", () => {
  it("changes an Awareness exactly as applyAwarenessUpdate does, events included", () => {
    const steps = [
      [{ clientId: 7, clock: 1, state: { a: 1 } }],
      [{ clientId: 7, clock: 2, state: { a: 1 } }],
      [{ clientId: 7, clock: 2, state: { a: 2 } }],
      [
        { clientId: 7, clock: 3, state: { a: 3 } },
        { clientId: 8, clock: 5, state: { b: [1] } },
      ],
      [{ clientId: 8, clock: 4, state: { b: [2] } }],
    ];
    const run = (apply: (awareness: Awareness, entries: (typeof steps)[number]) => void) => {
      const doc = new Y.Doc();
      doc.clientID = 1;
      const awareness = new Awareness(doc);
      const events: unknown[] = [];
      awareness.on("change", (event: unknown, origin: unknown) => events.push(["change", event, origin]));
      awareness.on("update", (event: unknown, origin: unknown) => events.push(["update", event, origin]));
      const snapshots = steps.map((entries) => {
        apply(awareness, entries);
        return JSON.stringify([[...awareness.states], [...awareness.meta].map(([id, m]) => [id, m.clock])]);
      });
      const result = { events: [...events], snapshots };
      awareness.destroy();
      return result;
    };
    const reference = run((awareness, entries) => applyAwarenessUpdate(awareness, encodeAwarenessEntries(entries), "origin"));
    const ours = run((awareness, entries) => setAwarenessStates(awareness, entries, "origin"));
    expect(ours).toEqual(reference);
  });
});

describe("user colours", () => {
  // SPEC: PRES-2
  it("gives every user a stable colour of their own", () => {
    const ids = Array.from({ length: 50 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const colors = ids.map(colorFor);
    expect(ids.map(colorFor)).toEqual(colors);
    for (const c of colors) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(colors).size).toBeGreaterThan(40);
  });
});
