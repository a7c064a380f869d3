import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and share one PostgreSQL: keep files in parallel workers
    // but bounded, since CI machines have two cores.
    maxWorkers: 2,
  },
});
