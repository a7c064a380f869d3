import { describe, expect, it } from "vitest";
import { cursorBytesIn, readCursorBytes, readJsonNumber } from "../../src/awareness/state-bytes.ts";
import { cursorContextOf } from "../../src/awareness/state-text.ts";
import { parseClientPresence, withCursor, type Point } from "../../src/awareness/state.ts";
import { Random } from "../helpers/random.ts";

const utf8 = new TextEncoder();

/** `text`'s bytes with a byte that would continue a number (or close an object) on either side. */
function embedded(text: string): { bytes: Uint8Array; start: number; end: number } {
  const inner = utf8.encode(text);
  const bytes = new Uint8Array(inner.length + 2);
  bytes[0] = 0x31; // "1"
  bytes.set(inner, 1);
  bytes[inner.length + 1] = 0x7d; // "}"
  return { bytes, start: 1, end: inner.length + 1 };
}

function numberOf(text: string): number {
  const { bytes, start, end } = embedded(text);
  return readJsonNumber(bytes, start, end);
}

function cursorOf(text: string): Point | null | undefined {
  const { bytes, start, end } = embedded(text);
  return readCursorBytes(bytes, start, end);
}

/** What the text path makes of a cursor's text: JSON.parse, then the schema (undefined: invalid). */
function cursorViaSchema(text: string): Point | null | undefined | "not JSON" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  return withCursor(parseClientPresence({})!, value)?.cursor;
}

describe("readJsonNumber", () => {
  it("reads plain JSON numbers to the bit, -0 included", () => {
    for (const text of ["0", "-0", "-0.0", "1", "-1", "1.5", "0.1", "0.3", "123.456", "-987.0001", "1000000000", "9007199254740991", "0.0000000000000000000001", "900719925474099.1"]) {
      expect(Object.is(numberOf(text), JSON.parse(text)), text).toBe(true);
    }
  });

  it("leaves alone what is not a JSON number, exponents, and digits it cannot read exactly", () => {
    for (const text of ["", "-", "+1", "01", "-01", "1.", ".5", "1e3", "1E3", "1.5e-3", "0x10", "1 ", " 1", "1,", "NaN", "Infinity", '"1"', "9007199254740993", "900719925474099.3", "0.30000000000000004", "0.00000000000000000000001", "1".repeat(400)]) {
      expect(numberOf(text), text).toBeNaN();
    }
  });

  it("agrees with JSON.parse on every number it reads (seeded fuzz)", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 11);
    const random = new Random(seed);
    const digits = (n: number) => Array.from({ length: n }, () => random.int(10)).join("");
    let read = 0;
    for (let round = 0; round < 20_000; round++) {
      let text: string;
      switch (random.int(4)) {
        case 0: // what JSON.stringify writes for a canvas coordinate
          text = JSON.stringify(Math.round((random.next() - 0.5) * 10 ** random.int(12) * 10 ** random.int(4)) / 10 ** random.int(4));
          break;
        case 1: // any double
          text = JSON.stringify((random.next() - 0.5) * 10 ** (random.int(40) - 20));
          break;
        default: // digit strings of every length, some not JSON
          text = `${random.pick(["", "-", "+"])}${digits(random.int(20))}${random.chance(0.6) ? `.${digits(random.int(25))}` : ""}${random.chance(0.1) ? `e${random.int(30)}` : ""}`;
      }
      const value = numberOf(text);
      if (Number.isNaN(value)) continue;
      read += 1;
      expect(Object.is(value, JSON.parse(text)), `seed ${seed}, round ${round}: ${text} read as ${value}`).toBe(true);
    }
    expect(read).toBeGreaterThan(8_000);
  });
});

describe("readCursorBytes", () => {
  it("reads null and a point written as JSON.stringify writes it", () => {
    expect(cursorOf("null")).toBeNull();
    expect(cursorOf('{"x":12,"y":-34.5}')).toEqual({ x: 12, y: -34.5 });
    expect(Object.is(cursorOf('{"x":-0,"y":0}')!.x, -0)).toBe(true);
    expect(cursorOf('{"x":1000000000,"y":-1000000000}')).toEqual({ x: 1e9, y: -1e9 });
  });

  it("leaves everything else to the text path: other spellings, other shapes, numbers out of bounds", () => {
    for (const text of [
      "nul",
      "null ",
      "{}",
      "[]",
      '"x"',
      '{"x":1}',
      '{ "x":1,"y":2}',
      '{"x": 1,"y":2}',
      '{"x":1, "y":2}',
      '{"x":1,"y":2 }',
      '{"y":2,"x":1}',
      '{"x":1,"y":2,"z":3}',
      '{"x":1,"x":2,"y":3}',
      '{"x":1,"y":2}}',
      '{"x":{"x":1},"y":2}',
      '{"x":"1","y":2}',
      '{"x":1e3,"y":2}',
      '{"x":1000000000.5,"y":0}',
      '{"x":0,"y":-1000000001}',
      '{"x":1e999,"y":0}',
      '{"\\u0078":1,"y":2}',
    ]) {
      expect(cursorOf(text), text).toBeUndefined();
    }
  });

  it("reads a cursor only as the schema reads its JSON (seeded fuzz)", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 13);
    const random = new Random(seed);
    const numbers = ["0", "-0", "1", "1.5", "-2.25", "1e3", "1000000000", "-1000000000", "1000000000.5", "123456789012345678901234567890", "0.30000000000000004", "01", "1.", "NaN", '"1"', "null"];
    const number = () => (random.chance(0.5) ? String(Math.round((random.next() - 0.5) * 4000 * 100) / 100) : random.pick(numbers));
    let read = 0;
    for (let round = 0; round < 10_000; round++) {
      const spaced = random.chance(0.5);
      const space = () => (spaced ? random.pick(["", " ", "\n"]) : "");
      const text = random.chance(0.1)
        ? random.pick(["null", "nul", "{}", "[]", "1", '"s"'])
        : `{${space()}"x"${space()}:${space()}${number()}${space()},${space()}"y"${space()}:${space()}${number()}${space()}${random.pick(["", "", "", ',"z":1', "}"])}}`;
      const cursor = cursorOf(text);
      if (cursor === undefined) continue;
      read += 1;
      expect(cursor, `seed ${seed}, round ${round}: ${text}`).toEqual(cursorViaSchema(text));
    }
    expect(read).toBeGreaterThan(800);
  });
});

describe("cursorBytesIn", () => {
  const previous = '{"user":{"name":"Zoë 🎉 \\"q\\""},"cursor":{"x":1,"y":2},"tool":"✏️","selection":[]}';
  const context = cursorContextOf(previous)!;
  const at = (text: string) => {
    const { bytes, start, end } = embedded(text);
    return cursorBytesIn(context, bytes, start, end);
  };

  it("reads the cursor of a text that differs from the last one only in its cursor value, unicode around it", () => {
    expect(at(previous.replace('{"x":1,"y":2}', '{"x":-5,"y":7.25}'))).toEqual({ x: -5, y: 7.25 });
    expect(at(previous.replace('{"x":1,"y":2}', "null"))).toBeNull();
  });

  it("does not read a text that differs anywhere else, or is cut short", () => {
    expect(at(previous.replace("Zoë", "Zoe"))).toBeUndefined();
    expect(at(previous.replace("✏️", "✏"))).toBeUndefined();
    expect(at(previous.replace('"selection":[]', '"selection":["a"]'))).toBeUndefined();
    expect(at(previous.slice(0, -1))).toBeUndefined();
    expect(at(previous.replace('{"x":1,"y":2}', ""))).toBeUndefined();
  });
});
