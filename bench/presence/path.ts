/**
 * Per-message cost of the presence path, in process (no sockets): what one cursor message costs the
 * server from frame bytes to a pending state, what publishing it costs, and — for comparison — what
 * Hocuspocus's own awareness path costs per message (a throwaway Y.Doc + Awareness per message).
 *
 *   node --import tsx bench/presence/path.ts
 */
import { Document } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import pino from "pino";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { Presence, type PresenceSender } from "../../src/awareness/presence.ts";
import { parseClientPresence } from "../../src/awareness/state.ts";
import { FrameHeaderReader, bodyDecoder, readAwarenessEntries, type FrameHeader } from "../../src/collab/wire.ts";
import { inspectFrame } from "../../src/collab/frame-guard.ts";
import { createMetrics } from "../../src/metrics.ts";

const ROOM = "9c5b94b1-35ad-4d2b-a3b6-000000000001";
const SENDERS = 100;
const ROUNDS = 400;
const MESSAGES = SENDERS * ROUNDS;

/** A cursor frame as a provider sends it: address, type 1, awareness update of one state. */
function cursorFrame(clientId: number, clock: number, x: number, y: number): Uint8Array {
  const state = { user: { id: "u", name: "n", color: "#000" }, cursor: { x, y }, viewport: { center: { x: 0, y: 0 }, zoom: 1 }, selection: ["a"], status: "active" };
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1);
  encoding.writeVarUint(update, clientId);
  encoding.writeVarUint(update, clock);
  encoding.writeVarString(update, JSON.stringify(state));
  const frame = encoding.createEncoder();
  encoding.writeVarString(frame, ROOM);
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

/** Every sender's cursor frames, round by round, with clocks from `firstClock` on. */
function cursorFrames(firstClock: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let s = 0; s < SENDERS; s++) frames.push(cursorFrame(1000 + s, firstClock + round, round * 3 + s, round * 2));
  }
  return frames;
}
const frames = cursorFrames(1);
// The timed run of a receive path needs clocks above the warm-up's: a repeated clock is a stale
// duplicate, dropped before validation, and would be all that was measured.
const laterFrames = cursorFrames(ROUNDS + 1);

function measure(name: string, messages: number, run: (timed: boolean) => void): number {
  run(false); // warm-up
  const start = process.hrtime.bigint();
  run(true);
  const microseconds = Number(process.hrtime.bigint() - start) / 1000 / messages;
  console.log(`${name.padEnd(58)} ${microseconds.toFixed(2).padStart(7)} µs/message`);
  return microseconds;
}

console.log(`presence path, ${MESSAGES} cursor messages from ${SENDERS} senders (Node ${process.version})\n`);

measure("decode frame (collab/wire.ts; the JSON is left to presence)", MESSAGES, () => {
  for (const frame of frames) {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarString(decoder);
    decoding.readVarUint(decoder);
    readAwarenessEntries(decoder);
  }
});

const states = frames.map((frame) => {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarString(decoder);
  decoding.readVarUint(decoder);
  return JSON.parse(readAwarenessEntries(decoder)[0]!.json) as unknown;
});
measure("JSON.parse of a whole state", MESSAGES, () => {
  for (const frame of frames) {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarString(decoder);
    decoding.readVarUint(decoder);
    JSON.parse(readAwarenessEntries(decoder)[0]!.json);
  }
});
measure("zod validation (parseClientPresence)", MESSAGES, () => {
  for (const state of states) parseClientPresence(state);
});

measure("frame-guard inspectFrame (hardening, also on this path)", MESSAGES, () => {
  for (const frame of frames) inspectFrame(frame);
});

/** The whole receive path, with a clock that advances 1/30 s per round (senders at 30 Hz). */
function receivePath(batchMs: number): { receive: number; publish: number } {
  let now = 0;
  const metrics = createMetrics();
  const presence = new Presence({ idleAfterMs: 30_000, awayAfterMs: 600_000, batchMs, metrics, logger: pino({ level: "silent" }), now: () => now });
  const document = new Document(ROOM);
  const senders: PresenceSender[] = [];
  for (let s = 0; s < SENDERS; s++) senders.push({ key: {}, user: { userId: `user-${s}`, name: `user ${s}` }, protocol: "json", readOnly: false });
  let published = 0;
  document.awareness.on("update", ({ added, updated }: { added: number[]; updated: number[] }) => {
    published += added.length + updated.length;
  });
  const what = batchMs > 0 ? `receive: frame → pending state (batching ${batchMs} ms)` : "receive and publish at once (batching off)";
  const receive = measure(what, MESSAGES, (timed) => {
    const run = timed ? laterFrames : frames;
    for (let i = 0; i < run.length; i++) {
      if (i % SENDERS === 0) now += 1000 / 30;
      const frame = run[i]!;
      const decoder = decoding.createDecoder(frame);
      decoding.readVarString(decoder);
      decoding.readVarUint(decoder);
      presence.receiveEntries(document, senders[i % SENDERS]!, readAwarenessEntries(decoder), frame.length);
    }
  });
  // Publishing: every sender's new state is received, then a flush applies them all (Hocuspocus then
  // broadcasts them, to no connections here). Run twice, the first as a warm-up.
  const rounds = 200;
  let clock = ROUNDS * 3;
  const publishRun = (): number => {
    published = 0;
    const start = process.hrtime.bigint();
    for (let round = 0; round < rounds; round++) {
      clock += 1;
      for (let s = 0; s < SENDERS; s++) {
        const frame = frames[(round % ROUNDS) * SENDERS + s]!;
        const decoder = decoding.createDecoder(frame);
        decoding.readVarString(decoder);
        decoding.readVarUint(decoder);
        const entries = readAwarenessEntries(decoder);
        entries[0]!.clock = clock;
        presence.receiveEntries(document, senders[s]!, entries, frame.length);
      }
      now += 1000;
      presence.flush();
    }
    return Number(process.hrtime.bigint() - start) / 1000 / published;
  };
  publishRun();
  const publish = publishRun();
  console.log(`${`receive + publish (${published} states applied)`.padEnd(58)} ${publish.toFixed(2).padStart(7)} µs/state`);
  presence.close();
  document.destroy();
  return { receive, publish };
}
receivePath(100);
receivePath(0);

/**
 * What `/collab` does with a cursor frame once `ws` has it: the header read (one reader per socket,
 * which keeps the address), then presence (`PresenceExtension.route`), batching on. Side by side with
 * the path every frame took before the byte reader (each decoded into entries, `receiveEntries`),
 * which is still the path of every frame that is not a plain cursor move. The two alternate, each
 * run on a fresh presence, and the median of the runs is shown: this machine may be shared.
 */
function serverPaths(): void {
  type Receive = (presence: Presence, document: Document, sender: PresenceSender, header: FrameHeader) => void;
  const paths: Array<{ name: string; receive: Receive; times: number[] }> = [
    {
      name: "server path: header → receiveFrame",
      receive: (presence, document, sender, header) => presence.receiveFrame(document, sender, header),
      times: [],
    },
    {
      name: "server path, all decoded: receiveEntries",
      receive: (presence, document, sender, header) => presence.receiveEntries(document, sender, readAwarenessEntries(bodyDecoder(header)), header.bytes.byteLength),
      times: [],
    },
  ];
  const runOnce = (receive: Receive): number => {
    let now = 0;
    const presence = new Presence({ idleAfterMs: 30_000, awayAfterMs: 600_000, batchMs: 100, metrics: createMetrics(), logger: pino({ level: "silent" }), now: () => now });
    const document = new Document(ROOM);
    const senders: PresenceSender[] = [];
    for (let s = 0; s < SENDERS; s++) senders.push({ key: {}, user: { userId: `user-${s}`, name: `user ${s}` }, protocol: "yjs", readOnly: false });
    const readers = senders.map(() => new FrameHeaderReader());
    const start = process.hrtime.bigint();
    for (let i = 0; i < frames.length; i++) {
      if (i % SENDERS === 0) now += 1000 / 30;
      receive(presence, document, senders[i % SENDERS]!, readers[i % SENDERS]!.read(frames[i]!)!);
    }
    const microseconds = Number(process.hrtime.bigint() - start) / 1000 / MESSAGES;
    presence.close();
    document.destroy();
    return microseconds;
  };
  for (let run = 0; run < 9; run++) for (const path of paths) path.times.push(runOnce(path.receive));
  for (const { name, times } of paths) {
    // The first runs are warm-ups.
    const sorted = times.slice(2).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`${`${name} (median of ${sorted.length})`.padEnd(58)} ${median.toFixed(2).padStart(7)} µs/message`);
  }
}
serverPaths();

const awarenessUpdates = frames.map((frame) => {
  const decoder = decoding.createDecoder(frame);
  decoding.readVarString(decoder);
  decoding.readVarUint(decoder);
  return decoding.readVarUint8Array(decoder);
});
measure("Hocuspocus's own path: scratch Y.Doc + Awareness + apply", MESSAGES, () => {
  const target = new Awareness(new Y.Doc());
  for (const update of awarenessUpdates) {
    const scratchDoc = new Y.Doc();
    const scratch = new Awareness(scratchDoc);
    applyAwarenessUpdate(scratch, update, null);
    const rewritten = encodeAwarenessUpdate(scratch, [...scratch.getStates().keys()]);
    scratch.destroy();
    scratchDoc.destroy();
    applyAwarenessUpdate(target, rewritten, "bench");
  }
  target.destroy();
});
process.exit(0);
