import type { Core } from "../../core.ts";
import { createRoute, json, router, z } from "../openapi.ts";

const tags = ["Operations"];

const health = createRoute({
  operationId: "health",
  method: "get",
  path: "/healthz",
  tags,
  summary: "Liveness: the process answers",
  responses: { 200: json(z.object({ status: z.literal("ok") }), "Alive") },
});
const readinessSchema = z.object({
  status: z.enum(["ready", "degraded", "unavailable"]),
  checks: z.record(z.string(), z.boolean()).openapi({ example: { database: true, redis: true } }),
});
const ready = createRoute({
  operationId: "ready",
  method: "get",
  path: "/readyz",
  tags,
  summary: "Readiness: 503 without the database; `degraded` (200) without Redis",
  responses: { 200: json(readinessSchema, "Ready or degraded"), 503: json(readinessSchema, "Unavailable") },
});
const metrics = createRoute({
  operationId: "metrics",
  method: "get",
  path: "/metrics",
  tags,
  summary: "Prometheus metrics (text exposition format)",
  responses: { 200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } } },
});

/** Health, readiness and metrics: no token, for load balancers and Prometheus. */
export function operatorRoutes(core: Core) {
  return router()
    .openapi(health, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(ready, async (c) => {
      const checks = await core.readiness();
      // Without its database an instance cannot acknowledge edits: take it out of rotation. Without
      // Redis it still serves its own clients, so it stays in rotation and says it is degraded.
      const ready = checks.database === true;
      if (!ready) return c.json({ status: "unavailable" as const, checks }, 503);
      return c.json({ status: Object.values(checks).every(Boolean) ? ("ready" as const) : ("degraded" as const), checks }, 200);
    })
    .openapi(metrics, async (c) => {
      return c.text(await core.metrics.registry.metrics(), 200, { "content-type": core.metrics.registry.contentType });
    });
}
