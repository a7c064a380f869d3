import { Document } from "@hocuspocus/server";
import * as encoding from "lib0/encoding";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Presence, type PresenceSender } from "../../src/awareness/presence.ts";
import { RoomPresence } from "../../src/awareness/room-presence.ts";
import { FrameHeaderReader, bodyDecoder, readAwarenessEntries } from "../../src/collab/wire.ts";
import { createMetrics } from "../../src/metrics.ts";
import { Random } from "../helpers/random.ts";

/**
 * A Yjs awareness frame is read from its bytes when it is a provider's cursor move
 * (`Presence.receiveFrame` → `RoomPresence.receiveCursorMove`), and decoded into entries otherwise.
 * Both must end in the same place: these tests feed the same frames to a presence that reads them with
 * `receiveFrame` and to one that only ever decodes them (`receiveEntries`), and compare everything.
 */

const ROOM = "9c5b94b1-35ad-4d2b-a3b6-000000000001";
const utf8 = new TextEncoder();

interface FrameEntry {
  clientId: number;
  clock: number;
  /** The state's JSON text, or raw bytes (not necessarily UTF-8). */
  json: string | Uint8Array;
}

/** `shortBy`: the update's length as the frame gives it, short of its entries by this many bytes. */
function awarenessFrame(entries: readonly FrameEntry[], shortBy = 0): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const { clientId, clock, json } of entries) {
    encoding.writeVarUint(update, clientId);
    encoding.writeVarUint(update, clock);
    encoding.writeVarUint8Array(update, typeof json === "string" ? utf8.encode(json) : json);
  }
  const frame = encoding.createEncoder();
  encoding.writeVarString(frame, ROOM);
  encoding.writeVarUint(frame, 1);
  const updateBytes = encoding.toUint8Array(update);
  encoding.writeVarUint(frame, updateBytes.length - shortBy);
  encoding.writeUint8Array(frame, updateBytes);
  return encoding.toUint8Array(frame);
}

/** A presence, its room's document and its senders, on a clock the test moves. */
function side(users: readonly string[], batchMs: number, clock: { now: number }) {
  const metrics = createMetrics();
  const presence = new Presence({ idleAfterMs: 5_000, awayAfterMs: 20_000, batchMs, metrics, logger: pino({ level: "silent" }), now: () => clock.now });
  const document = new Document(ROOM);
  const senders: PresenceSender[] = users.map((userId) => ({ key: {}, user: { userId, name: `name of ${userId}` }, protocol: "yjs", readOnly: false }));
  const headers = new FrameHeaderReader();
  return { presence, document, senders, metrics, headers };
}
type Side = ReturnType<typeof side>;

/** What `/collab` does with an awareness frame since the byte path. */
function viaFrame(s: Side, sender: number, frame: Uint8Array): boolean {
  return s.presence.receiveFrame(s.document, s.senders[sender]!, s.headers.read(frame)!);
}

/** What it did before: every frame decoded into entries, the text shortcut the only one. */
function viaEntries(s: Side, sender: number, frame: Uint8Array): boolean {
  const header = s.headers.read(frame)!;
  let entries;
  try {
    entries = readAwarenessEntries(bodyDecoder(header));
  } catch {
    return false;
  }
  return s.presence.receiveEntries(s.document, s.senders[sender]!, entries, header.bytes.byteLength);
}

/** Everything presence holds for the room, and what the room's awareness shows. */
function view(s: Side) {
  const room = s.presence.room(ROOM);
  const senders = s.senders.map((sender) => {
    const entry = room?.senders.get(sender.key);
    if (!entry) return undefined;
    const slots = [...entry.slots.values()].map((slot) => ({
      clientId: slot.clientId,
      clientClock: slot.clientClock,
      clientStatus: slot.clientStatus,
      received: slot.received,
      deferred: slot.deferred,
      deferredPriority: slot.deferredPriority,
      pending: slot.pending,
      dueAt: slot.dueAt,
      published: slot.published,
      publishedAt: slot.publishedAt,
      cursorAt: slot.cursorAt,
      viewportAt: slot.viewportAt,
      text: slot.text && { state: slot.text.state, prefix: slot.text.context.prefix, suffix: slot.text.context.suffix },
    }));
    return { status: entry.activity.status, slots };
  });
  const awareness = s.document.awareness;
  const states = [...awareness.getStates()].filter(([clientId]) => clientId !== awareness.clientID);
  const clocks = [...awareness.meta].filter(([clientId]) => clientId !== awareness.clientID).map(([clientId, meta]) => [clientId, meta.clock]);
  return { senders, states, clocks };
}

async function counts(s: Side) {
  for (const refresh of s.metrics.beforeScrape) refresh();
  const { messagesReceived, bytesReceived, messagesDropped, rateLimitExceeded } = s.metrics;
  return Promise.all([messagesReceived.get(), bytesReceived.get(), messagesDropped.get(), rateLimitExceeded.get()]).then((metrics) => metrics.map((m) => m.values));
}

const sides: Side[] = [];
function pair(users: readonly string[], batchMs: number, clock: { now: number }): { fast: Side; slow: Side } {
  const fast = side(users, batchMs, clock);
  const slow = side(users, batchMs, clock);
  sides.push(fast, slow);
  return { fast, slow };
}
afterEach(() => {
  for (const s of sides.splice(0)) {
    s.presence.close();
    s.document.destroy();
  }
  vi.restoreAllMocks();
});

const provider = (x: number | string, y: number | string) =>
  `{"user":{"id":"u","name":"Zoë","color":"#000"},"cursor":{"x":${x},"y":${y}},"viewport":{"center":{"x":0,"y":0},"zoom":1},"selection":["t1"],"status":"active"}`;

describe("cursor frames read from their bytes", () => {
  it("takes a provider's cursor move without decoding it, to the state and counts decoding gives", async () => {
    const clock = { now: 0 };
    const { fast, slow } = pair(["alice"], 100, clock);
    const bytePath = vi.spyOn(RoomPresence.prototype, "receiveCursorMove");
    const frames = [provider(1, 2), provider(3, 4), provider(-0, 7.5), provider(8, "null").replace('{"x":8,"y":null}', "null"), provider(9, 10)];
    frames.forEach((json, i) => {
      clock.now += 40;
      const frame = awarenessFrame([{ clientId: 7, clock: i + 1, json }]);
      expect(viaFrame(fast, 0, frame)).toBe(viaEntries(slow, 0, frame));
    });
    // The first state has no text to compare with; every later one is a cursor move.
    expect(bytePath.mock.results.map((r) => r.value)).toEqual([true, true, true, true]);
    fast.presence.flush();
    slow.presence.flush();
    expect(view(fast)).toEqual(view(slow));
    expect(view(fast).states[0]![1]).toMatchObject({ cursor: { x: 9, y: 10 }, status: "active" });
    expect(await counts(fast)).toEqual(await counts(slow));
  });

  it("leaves a stale clock, a cut frame and a state that changed more than its cursor to decoding, with the same outcome", () => {
    const clock = { now: 0 };
    const { fast, slow } = pair(["alice"], 0, clock);
    const send = (json: string | Uint8Array, c: number, cut = 0, shortBy = 0) => {
      clock.now += 40;
      const whole = awarenessFrame([{ clientId: 7, clock: c, json }], shortBy);
      const frame = whole.subarray(0, whole.length - cut);
      const result = viaFrame(fast, 0, frame);
      expect(result).toBe(viaEntries(slow, 0, frame));
      expect(view(fast)).toEqual(view(slow));
      return result;
    };
    expect(send(provider(1, 2), 1)).toBe(true);
    expect(send(provider(3, 4), 1)).toBe(true); // stale: dropped, not malformed
    expect(send(provider(5, 6), 2, 3)).toBe(false); // cut short
    expect(send(provider(5, 6), 2, 0, 1)).toBe(false); // the entry runs past its update
    const invalidUtf8 = utf8.encode(provider(5, 6));
    invalidUtf8[invalidUtf8.indexOf(0xc3)] = 0xff; // the "ë" of Zoë, broken
    expect(send(invalidUtf8, 3)).toBe(false);
    expect(send(provider(5, 6).replace("Zoë", "Zo\u00eb\u0301"), 4)).toBe(true);
    expect(send(provider(1e3, 2).replace(":1000,", ":1e3,"), 5)).toBe(true);
    expect(send(provider(1e10, 2), 6)).toBe(true); // out of bounds: invalid, dropped
  });

  // The equivalence the byte path promises, over random providers' sessions.
  it.each([100, 0])("ends in the same presence, awareness and metrics as decoding every frame (seeded fuzz, batching %i ms)", async (batchMs) => {
    const seed = Number(process.env.FUZZ_SEED ?? 5) + batchMs;
    const random = new Random(seed);
    const clock = { now: 0 };
    const users = ["alice", "bob", "carol"];
    const { fast, slow } = pair(users, batchMs, clock);
    const bytePath = vi.spyOn(RoomPresence.prototype, "receiveCursorMove");

    const number = () =>
      random.chance(0.8)
        ? String(Math.round((random.next() - 0.5) * 10 ** random.int(7)) / 10 ** random.int(3))
        : random.pick(["0", "-0", "-0.0", "1.5", "1e3", "1E-2", "1000000000", "-1000000000", "1000000000.5", "123456789012345678901234567890", "0.30000000000000004", "01", "1.", '"1"', "null"]);
    const cursorText = () =>
      random.chance(0.85)
        ? `{"x":${number()},"y":${number()}}`
        : random.pick(["null", "nul", "{}", "[]", '{"x":1}', '{ "x":1, "y":2 }', '{"y":2,"x":1}', '{"x":1,"y":2,"z":3}', '{"x":1,"x":2,"y":3}', '{"x":{"x":1},"y":2}', '"s"']);
    // Mostly valid states (an invalid one leaves no text to compare the next with), some not.
    const field = () =>
      random.pick([
        `"user":{"id":"u","name":${JSON.stringify(random.pick(["Ada", "Zoë 🎉", 'q"uote', "\u2028"]))},"color":"#000"}`,
        `"viewport":${random.pick(["null", '{"center":{"x":0,"y":0},"zoom":1}', '{"center":{"x":0,"y":0},"zoom":1}', '{"center":{"x":0,"y":0},"zoom":-1}'])}`,
        `"selection":${random.pick(["[]", '["a","b"]', '["a","b"]', '[""]'])}`,
        `"status":${random.pick(['"active"', '"idle"', '"away"', '"active"', '"gone"'])}`,
        `"activity":${random.int(3)}`,
        `"tool":${random.pick(['{"kind":"pen","cursor":{"x":1,"y":1}}', '"sélect"', '"\\u00e9\\n"'])}`,
        `"note":"a \\"cursor\\":{} inside"`,
        `"big":"${"x".repeat(random.chance(0.2) ? 4100 : random.pick([10, 2100]))}"`,
        `"cursor":${cursorText()}`,
      ]);
    /** A client's state as fields around its cursor (the last "cursor" key is the one that counts). */
    const newState = () => {
      const fields = Array.from({ length: random.int(5) }, field);
      fields.splice(random.int(fields.length + 1), 0, "CURSOR");
      return { fields, space: random.pick(["", "", " ", "\n  "]) };
    };
    const textOf = (state: { fields: string[]; space: string }, cursor: string) => {
      const { fields, space } = state;
      return `{${space}${fields.map((f) => (f === "CURSOR" ? `"cursor":${space}${cursor}` : f)).join(`,${space}`)}${space}}`;
    };

    // Each user has one or two clients (a provider per tab); client ids are shared out by user.
    const clients = users.flatMap((_, sender) => Array.from({ length: 1 + (sender % 2) }, (_, k) => ({ sender, clientId: 10 * (sender + 1) + k, clock: 0, state: newState() })));
    let frames = 0;
    for (let step = 0; step < 6_000; step++) {
      clock.now += random.chance(0.02) ? random.int(25_000) : random.int(40);
      const client = random.pick(clients);
      let sender = client.sender;
      // Mostly the next clock; sometimes one already seen (a duplicate), sometimes a gap.
      client.clock = random.chance(0.06) ? Math.max(0, client.clock - random.int(3)) : client.clock + 1 + (random.chance(0.05) ? random.int(5) : 0);
      let entries: FrameEntry[];
      const roll = random.next();
      if (roll < 0.08) client.state = newState();
      if (roll < 0.04) {
        // Another user's client id.
        sender = (sender + 1) % users.length;
      }
      const text = textOf(client.state, cursorText());
      if (roll >= 0.08 && roll < 0.12) {
        // One character changed, inserted or removed anywhere.
        const at = random.int(text.length);
        entries = [{ clientId: client.clientId, clock: client.clock, json: text.slice(0, at) + random.pick(["1", "}", '"', ",", " ", "é", ""]) + text.slice(at + random.int(2)) }];
      } else if (roll < 0.14) {
        // A byte that is not UTF-8, anywhere.
        const bytes = utf8.encode(text);
        bytes[random.int(bytes.length)] = random.pick([0xff, 0xc3, 0x80]);
        entries = [{ clientId: client.clientId, clock: client.clock, json: bytes }];
      } else if (roll < 0.17) {
        // Two entries in one frame: this client twice, or with its sibling.
        const other = clients.find((c) => c.sender === client.sender && c !== client) ?? client;
        entries = [
          { clientId: client.clientId, clock: client.clock, json: text },
          { clientId: other.clientId, clock: ++other.clock, json: textOf(other.state, cursorText()) },
        ];
      } else if (roll < 0.18) {
        entries = [{ clientId: client.clientId, clock: client.clock, json: "null" }];
      } else {
        entries = [{ clientId: client.clientId, clock: client.clock, json: text }];
      }
      let frame = awarenessFrame(entries);
      if (random.chance(0.01)) frame = frame.subarray(0, frame.length - 1 - random.int(4));
      frames += 1;

      const where = `seed ${seed}, step ${step}`;
      expect(viaFrame(fast, sender, frame), where).toBe(viaEntries(slow, sender, frame));
      if (random.chance(0.05)) {
        fast.presence.flush();
        slow.presence.flush();
      }
      if (random.chance(0.02)) {
        fast.presence.room(ROOM)?.sweep(clock.now);
        slow.presence.room(ROOM)?.sweep(clock.now);
      }
      expect(view(fast), where).toEqual(view(slow));
    }
    expect(await counts(fast)).toEqual(await counts(slow));
    // The byte path took a good share of the frames and left many to decoding: the comparison above
    // is not of two decodings, nor of the byte path alone.
    const taken = bytePath.mock.results.filter((r) => r.value === true).length;
    expect(taken).toBeGreaterThan(frames * 0.3);
    expect(frames - taken).toBeGreaterThan(frames * 0.3);
  });
});
