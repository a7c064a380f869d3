import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { FrameWriter, MessageType, awarenessStateCount, readHeader } from "../../bench/loadtest/wire.ts";

describe("the load generator's wire format", () => {
  it("encodes an awareness frame byte for byte as a provider would (document name, type, y-protocols update)", () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    for (const state of [{ cursor: { x: 1.5, y: 2 } }, { user: { name: "Zoë ".repeat(60) }, cursor: null, status: "active" }]) {
      awareness.setLocalState(state);
      const clock = awareness.meta.get(doc.clientID)!.clock;
      const expected = encoding.createEncoder();
      encoding.writeVarString(expected, "a-room-id");
      encoding.writeVarUint(expected, MessageType.Awareness);
      encoding.writeVarUint8Array(expected, encodeAwarenessUpdate(awareness, [doc.clientID]));
      const frame = new FrameWriter("a-room-id").awareness(doc.clientID, clock, JSON.stringify(state));
      expect(Buffer.from(frame).equals(Buffer.from(encoding.toUint8Array(expected)))).toBe(true);
    }
    awareness.destroy();
  });

  it("reads the message type after the document name and counts the states of an awareness frame", () => {
    const frame = new FrameWriter("room").awareness(123456789, 7, '{"cursor":null}');
    const { type, decoder } = readHeader(frame);
    expect(type).toBe(MessageType.Awareness);
    expect(awarenessStateCount(decoder)).toBe(1);
  });
});
