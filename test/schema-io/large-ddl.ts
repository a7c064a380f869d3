/**
 * A large, deterministic PostgreSQL DDL for tests and `npm run bench:import`: exactly `tables` tables
 * of 3 to 14 columns, most referencing up to two earlier tables (inline or by ALTER TABLE), one in
 * eleven with a composite key that the next one references, and every fiftieth entity closing a cycle
 * to a later one.
 */
export function largeDdl(tables: number): string {
  const statements: string[] = [];
  const later: string[] = [];
  const types = ["integer", "bigint", "text", "varchar(120)", "boolean", "timestamptz", "numeric(12,2)", "date", "jsonb", "uuid"];
  let count = 0;
  for (let i = 0; count < tables; i++) {
    count++;
    const columns = [`  id bigserial PRIMARY KEY`];
    const width = 6 + (i % 7);
    for (let j = 1; j < width; j++) {
      const type = types[(i * 7 + j * 3) % types.length] as string;
      columns.push(`  field_${j} ${type}${j % 3 === 0 ? " NOT NULL" : ""}${type === "integer" && j % 2 === 0 ? " DEFAULT 0" : ""}`);
    }
    if (i > 0) columns.push(`  parent_id bigint REFERENCES entity_${Math.floor(i / 2)}(id) ON DELETE CASCADE`);
    if (i > 2) {
      columns.push(`  related_id bigint`);
      later.push(`ALTER TABLE entity_${i} ADD CONSTRAINT entity_${i}_related_fk FOREIGN KEY (related_id) REFERENCES entity_${i - 3}(id);`);
    }
    if (i % 50 === 49 && count + 1 < tables) {
      columns.push(`  next_id bigint`);
      later.push(`ALTER TABLE entity_${i} ADD CONSTRAINT entity_${i}_next_fk FOREIGN KEY (next_id) REFERENCES entity_${i + 1}(id) ON DELETE SET NULL;`);
    }
    statements.push(`CREATE TABLE entity_${i} (\n${columns.join(",\n")}\n);`);
    if (i % 10 === 9 && count + 2 <= tables) {
      count += 2;
      statements.push(`CREATE TABLE entity_${i}_version (\n  entity_id bigint NOT NULL REFERENCES entity_${i}(id),\n  version integer NOT NULL,\n  body jsonb,\n  PRIMARY KEY (entity_id, version)\n);`);
      i++;
      statements.push(`CREATE TABLE entity_${i} (\n  id bigserial PRIMARY KEY,\n  entity_id bigint NOT NULL,\n  version integer NOT NULL,\n  FOREIGN KEY (entity_id, version) REFERENCES entity_${i - 1}_version (entity_id, version)\n);`);
    }
  }
  return `${statements.join("\n\n")}\n\n${later.join("\n")}\n`;
}
