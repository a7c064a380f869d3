import { Hono } from "hono";
import type { Core } from "../../core.ts";

/** Health, readiness and metrics: no token, for load balancers and Prometheus. */
export function operatorRoutes(core: Core) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const checks = await core.readiness();
      // Without its database an instance cannot acknowledge edits: take it out of rotation. Without
      // Redis it still serves its own clients, so it stays in rotation and says it is degraded.
      const ready = checks.database === true;
      const status = !ready ? "unavailable" : Object.values(checks).every(Boolean) ? "ready" : "degraded";
      return c.json({ status, checks }, ready ? 200 : 503);
    })
    .get("/metrics", async (c) => {
      return c.body(await core.metrics.registry.metrics(), 200, { "content-type": core.metrics.registry.contentType });
    });
}
