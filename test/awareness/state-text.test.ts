import { describe, expect, it } from "vitest";
import { cursorContextOf, cursorTextIn, cursorValueRange } from "../../src/awareness/state-text.ts";
import { parseClientPresence, withCursor, type ClientPresence } from "../../src/awareness/state.ts";
import { Random } from "../helpers/random.ts";

/**
 * The cursor shortcut: what presence reads from a state's text against the previous text, or
 * "no shortcut" when it must parse the whole text.
 */
function viaShortcut(previous: string, next: string): ClientPresence | undefined | "no shortcut" {
  const base = parseClientPresence(JSON.parse(previous));
  const context = cursorContextOf(previous);
  if (!base || !context) return "no shortcut";
  const cursorText = cursorTextIn(context, next);
  if (cursorText === undefined) return "no shortcut";
  let value: unknown;
  try {
    value = JSON.parse(cursorText);
  } catch {
    return "no shortcut";
  }
  return withCursor(base, value);
}

function viaFullParse(text: string): ClientPresence | undefined | "not JSON" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  return parseClientPresence(value);
}

const provider = (x: number, y: number) =>
  JSON.stringify({ user: { id: "u1", name: "Ada", color: "#e6194b" }, cursor: { x, y }, viewport: { center: { x: 0, y: 0 }, zoom: 1 }, selection: ["t1"], status: "active" });

describe("cursorValueRange", () => {
  it("finds the top-level cursor value, the last of duplicate keys, and nothing nested or in strings", () => {
    const text = '{"a":{"cursor":{"x":9,"y":9}},"s":"\\"cursor\\":{}","cursor":{"x":1,"y":2},"cursor" : null }';
    const range = cursorValueRange(text)!;
    expect(text.slice(...range)).toBe("null");
    const plain = provider(1.5, -2);
    expect(JSON.parse(plain.slice(...cursorValueRange(plain)!))).toEqual({ x: 1.5, y: -2 });
  });

  it("gives up on a key written with an escape, on arrays and on broken text", () => {
    expect(cursorValueRange('{"curs\\u006fr":{"x":1,"y":2}}')).toBeUndefined();
    expect(cursorValueRange('[{"cursor":1}]')).toBeUndefined();
    expect(cursorValueRange('{"cursor":{"x":1')).toBeUndefined();
    expect(cursorValueRange('{"x":1}')).toBeUndefined();
  });
});

describe("the cursor shortcut", () => {
  it("reads a provider's cursor move without a full parse, and gives what a full parse gives", () => {
    const next = provider(12.5, 40);
    const result = viaShortcut(provider(10, 20), next);
    expect(result).not.toBe("no shortcut");
    expect(result).toEqual(viaFullParse(next));
  });

  it("is never taken when more than the cursor changed", () => {
    expect(viaShortcut(provider(1, 2), provider(1, 2).replace('"active"', '"idle"'))).toBe("no shortcut");
    expect(viaShortcut(provider(1, 2), provider(1, 2).replace('"zoom":1', '"zoom":2'))).toBe("no shortcut");
  });

  it("agrees with a full parse on every text it takes (seeded fuzz)", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 7);
    const random = new Random(seed);
    const values = ["null", "1", '"s"', "[]", "{}", '{"x":1,"y":2}', '{"x":1e12,"y":0}', '{"x":"1","y":2}', '{"x":1,"y":2,"z":3}', '{"cursor":{"x":1,"y":1}}'];
    const cursorText = () =>
      random.chance(0.7) ? JSON.stringify({ x: Math.round(random.next() * 4000 * 10) / 10, y: -random.int(3000) }) : random.pick(values);
    const field = () =>
      random.pick([
        `"viewport":${random.pick(["null", '{"center":{"x":0,"y":0},"zoom":1}', '{"center":{"x":0,"y":0},"zoom":-1}'])}`,
        `"selection":${random.pick(["[]", '["a","b"]', '[""]'])}`,
        `"status":${random.pick(['"active"', '"idle"', '"gone"'])}`,
        `"user":{"id":"u","cursor":${cursorText()}}`,
        `"note":"a \\"cursor\\":{} inside"`,
        // Own fields are relayed: the shortcut must carry them over exactly as a full parse reads them.
        `"tool":${random.pick(['{"kind":"pen","cursor":{"x":1,"y":1}}', '["a",1,null]', '"select"'])}`,
        `"__proto__":{"polluted":true}`,
        `"big":"${"x".repeat(random.pick([10, 2100]))}"`,
        `"cursor":${cursorText()}`,
      ]);
    let taken = 0;
    let agreed = 0;
    for (let round = 0; round < 3000; round++) {
      const fields = Array.from({ length: 1 + random.int(5) }, field);
      if (random.chance(0.8)) fields.splice(random.int(fields.length + 1), 0, `"cursor":${cursorText()}`);
      const space = random.pick(["", " ", "\n  "]);
      const previous = `{${space}${fields.join(`,${space}`)}${space}}`;
      if (!cursorValueRange(previous) || !parseClientPresence(JSON.parse(previous))) continue;
      let next: string;
      const range = cursorValueRange(previous)!;
      switch (random.int(4)) {
        case 0: // the cursor moves (the provider's case)
        case 1:
          next = previous.slice(0, range[0]) + cursorText() + previous.slice(range[1]);
          break;
        case 2: {
          // one character changed, inserted or removed anywhere
          const at = random.int(previous.length);
          const c = random.pick(["1", "}", '"', ",", "x", " ", ""]);
          next = previous.slice(0, at) + c + previous.slice(at + random.int(2));
          break;
        }
        default: // the cursor's text is cut or run on into the next field
          next = previous.slice(0, range[0]) + random.pick(['{"x":1', '{"x":1,"y":2},"q":{"x":1', "nul", '{"x":1,"y":2}}']) + previous.slice(range[1]);
      }
      const shortcut = viaShortcut(previous, next);
      if (shortcut === "no shortcut") continue;
      taken += 1;
      const full = viaFullParse(next);
      expect(full, `seed ${seed}, round ${round}: ${previous} → ${next}`).not.toBe("not JSON");
      expect(shortcut, `seed ${seed}, round ${round}: ${previous} → ${next}`).toEqual(full);
      agreed += 1;
    }
    expect(taken).toBeGreaterThan(500);
    expect(agreed).toBe(taken);
  });
});
