/**
 * docs/SPEC.md and the tests stay tied together: every rule id is defined once, every rule is checked
 * by a test that cites it (`// SPEC: DUR-1` above the test) or is listed as untested under "Known
 * gaps", and no test cites a rule that does not exist.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const spec = readFileSync(path.join(root, "docs/SPEC.md"), "utf8");
const thisFile = fileURLToPath(import.meta.url);

const ID = /\b[A-Z]+(?:-[A-Z]+)*-\d+\b/g;

/** Rule ids in the order SPEC.md defines them: a bullet starting with the id in bold. */
function definedIds(text: string): string[] {
  return [...text.matchAll(/^- \*\*([A-Z]+(?:-[A-Z]+)*-\d+)\*\*/gm)].map((m) => m[1]!);
}

/** The ids named on lines of the "Known gaps" section that mark a rule untested. */
function untestedIds(text: string): string[] {
  const start = text.search(/^## Known gaps$/m);
  if (start < 0) return [];
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return section
    .split("\n")
    .filter((line) => /\buntested\b/.test(line))
    .flatMap((line) => line.match(ID) ?? []);
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith(".ts") && full !== thisFile ? [full] : [];
  });
}

/** Cited id → the test files citing it, from `// SPEC: A-1, B-2` comments. */
function citations(): Map<string, string[]> {
  const cited = new Map<string, string[]>();
  for (const file of testFiles(path.join(root, "test"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/\/\/\s*SPEC:([^\n]*)/g)) {
      for (const id of match[1]!.match(ID) ?? []) cited.set(id, [...(cited.get(id) ?? []), path.relative(root, file)]);
    }
  }
  return cited;
}

describe("docs/SPEC.md", () => {
  const defined = definedIds(spec);
  const untested = untestedIds(spec);
  const cited = citations();

  it("defines its rules with ids that are unique", () => {
    expect(defined.length).toBeGreaterThan(0);
    const repeated = defined.filter((id, i) => defined.indexOf(id) !== i);
    expect(repeated).toEqual([]);
  });

  it("has every rule cited by a test, unless it is listed as untested", () => {
    const uncited = defined.filter((id) => !cited.has(id) && !untested.includes(id));
    expect(uncited, "rules no test cites (add `// SPEC: <id>` above a test that checks it, or list it as untested)").toEqual([]);
  });

  it("lists as untested exactly the rules that no test cites", () => {
    const citedAnyway = untested.filter((id) => cited.has(id));
    expect(citedAnyway, "rules listed as untested that a test now cites (remove them from Known gaps)").toEqual([]);
  });

  it("is cited by tests only for rules it defines", () => {
    const unknown = [...cited].filter(([id]) => !defined.includes(id)).map(([id, files]) => `${id} (${files.join(", ")})`);
    expect(unknown).toEqual([]);
  });

  it("lists as untested only rules it defines", () => {
    expect(untested.filter((id) => !defined.includes(id))).toEqual([]);
  });
});
