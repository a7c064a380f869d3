import { describe, expect, it } from "vitest";
import type { Connection } from "@hocuspocus/server";
import { ByAddress } from "../../src/collab/by-address.ts";

/** The parts of a Hocuspocus connection `ByAddress` reads: its socket, its address, and its close. */
function connection(socket: object, messageAddress: string): Connection & { close(): void } {
  const onClose: Array<() => void> = [];
  return {
    webSocket: socket,
    messageAddress,
    onClose(callback: () => void) {
      onClose.push(callback);
    },
    close() {
      for (const callback of onClose) callback();
    },
  } as unknown as Connection & { close(): void };
}

const ROOM = "0b5e3c1e-6a51-4c55-9a53-1a2b3c4d5e6f";

describe("ByAddress", () => {
  it("finds a connection by its socket and address, and a suffixed address falls back to the plain one, as in Hocuspocus", () => {
    const [a, b] = [{}, {}];
    const values = new ByAddress<string>();
    values.set(connection(a, ROOM), "a-plain");
    values.set(connection(b, `${ROOM}\u0000tab1`), "b-tab1");

    expect(values.get(a, { address: ROOM, room: ROOM })).toBe("a-plain");
    expect(values.get(a, { address: `${ROOM}\u0000tab2`, room: ROOM })).toBe("a-plain");
    expect(values.get(b, { address: `${ROOM}\u0000tab1`, room: ROOM })).toBe("b-tab1");
    // b has no connection at the plain address, nor at another suffix.
    expect(values.get(b, { address: ROOM, room: ROOM })).toBeUndefined();
    expect(values.get(b, { address: `${ROOM}\u0000tab2`, room: ROOM })).toBeUndefined();
    expect(values.get({}, { address: ROOM, room: ROOM })).toBeUndefined();
  });

  it("forgets a connection when it closes, but not its successor at the same address", () => {
    const socket = {};
    const values = new ByAddress<string>();
    const first = connection(socket, ROOM);
    values.set(first, "first");
    const second = connection(socket, ROOM);
    values.set(second, "second");
    first.close();
    expect(values.get(socket, { address: ROOM, room: ROOM })).toBe("second");
    second.close();
    expect(values.get(socket, { address: ROOM, room: ROOM })).toBeUndefined();
  });
});
