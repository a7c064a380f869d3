import { Hono } from "hono";
import type { Core } from "../../core.ts";

/** Health, readiness and metrics: no token, for load balancers and Prometheus. */
export function operatorRoutes(core: Core) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const checks = await core.readiness();
      const ready = Object.values(checks).every(Boolean);
      return c.json({ status: ready ? "ready" : "degraded", checks }, ready ? 200 : 503);
    })
    .get("/metrics", async (c) => {
      return c.body(await core.metrics.registry.metrics(), 200, { "content-type": core.metrics.registry.contentType });
    });
}
