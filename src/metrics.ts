import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Prometheus metrics, as docs/operations.md lists them. Labels stay bounded (docs/SPEC.md REST-12):
 * message type, priority, status, outcome, protocol — never a user, room, session or diagram id
 * (those would grow without limit; per-room detail is in the logs and in
 * GET /api/liveshare/sessions/:room_id).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];
  /** Run before each scrape, to bring state-derived gauges up to date (see extensions/metrics.ts). */
  const beforeScrape = new Set<() => void>();
  return {
    registry,
    beforeScrape,
    activeSessions: new Gauge({
      name: "liveshare_active_sessions_total",
      help: "Sessions (rooms) with at least one connected user on this instance",
      registers,
      collect() {
        for (const refresh of beforeScrape) refresh();
      },
    }),
    sessionDuration: new Histogram({
      name: "liveshare_session_duration_seconds",
      help: "How long a room stayed occupied on this instance, from first join to last leave",
      labelNames: ["outcome"] as const,
      buckets: [10, 60, 300, 900, 1800, 3600, 7200, 14400, 43200],
      registers,
    }),
    activeUsers: new Gauge({ name: "liveshare_active_users_total", help: "Users connected to LiveShare by activity status", labelNames: ["status"] as const, registers }),
    userJoins: new Counter({ name: "liveshare_user_join_rate", help: "Users joining a room", labelNames: ["protocol"] as const, registers }),
    userLeaves: new Counter({ name: "liveshare_user_leave_rate", help: "Users leaving a room", labelNames: ["protocol"] as const, registers }),
    messagesSent: new Counter({ name: "liveshare_messages_sent_total", help: "Messages sent to clients", labelNames: ["message_type", "priority"] as const, registers }),
    messagesReceived: new Counter({ name: "liveshare_messages_received_total", help: "Messages received from clients", labelNames: ["message_type", "priority"] as const, registers }),
    messageLatency: new Histogram({
      name: "liveshare_message_latency_seconds",
      help: "Server receive to fan-out, per message",
      labelNames: ["message_type", "priority"] as const,
      buckets: latencyBuckets,
      registers,
    }),
    rateLimitExceeded: new Counter({ name: "liveshare_rate_limit_exceeded_total", help: "Messages over a rate limit", labelNames: ["priority"] as const, registers }),
    bytesSent: new Counter({ name: "liveshare_bandwidth_bytes_sent", help: "Bytes sent to clients", labelNames: ["message_type"] as const, registers }),
    bytesReceived: new Counter({ name: "liveshare_bandwidth_bytes_received", help: "Bytes received from clients", labelNames: ["message_type"] as const, registers }),
    bandwidthReduction: new Gauge({
      name: "liveshare_bandwidth_reduction_ratio",
      help: "Bytes of incremental schema updates sent divided by what full states would have cost (0.1 = 90% saved)",
      registers,
    }),
    snapshotSize: new Histogram({
      name: "liveshare_snapshot_size_bytes",
      help: "Stored snapshot size",
      buckets: [1e3, 1e4, 5e4, 1e5, 5e5, 1e6, 5e6, 2e7],
      registers,
    }),
    snapshotCreation: new Histogram({ name: "liveshare_snapshot_creation_seconds", help: "Time to take and store a snapshot", buckets: latencyBuckets, registers }),
    snapshotsCreated: new Counter({ name: "liveshare_snapshots_created_total", help: "Snapshots stored", registers }),
    broadcastDuration: new Histogram({
      name: "liveshare_broadcast_duration_seconds",
      help: "Time to compute and send one schema broadcast to JSON clients",
      buckets: latencyBuckets,
      registers,
    }),
    incrementalUpdatesSent: new Counter({ name: "liveshare_incremental_updates_sent", help: "Incremental schema updates sent to JSON clients", registers }),
    fullSyncsSent: new Counter({ name: "liveshare_full_syncs_sent_total", help: "Full GraphState messages sent to JSON clients", registers }),
    appendSeconds: new Histogram({
      name: "liveshare_update_log_append_seconds",
      help: "Time for one group-commit batch of the durable update log",
      buckets: latencyBuckets,
      registers,
    }),
    appendBatchSize: new Histogram({ name: "liveshare_update_log_batch_entries", help: "Entries per group-commit batch", buckets: [1, 2, 5, 10, 20, 50, 100, 500], registers }),
    appendFailures: new Counter({ name: "liveshare_update_log_append_failures_total", help: "Update-log batches that failed (nothing in them was acknowledged)", registers }),
    storeSeconds: new Histogram({ name: "liveshare_document_store_seconds", help: "Time to compact a document into its stored state", buckets: latencyBuckets, registers }),
    storeFailures: new Counter({ name: "liveshare_document_store_failures_total", help: "Failed document stores (compactions)", registers }),
    documentsLoaded: new Counter({ name: "liveshare_documents_loaded_total", help: "Documents loaded from the database", registers }),
    documentLoadSeconds: new Histogram({ name: "liveshare_document_load_seconds", help: "Time to load a document from the database", buckets: latencyBuckets, registers }),
    connections: new Gauge({ name: "liveshare_connections", help: "Open client connections by protocol", labelNames: ["protocol"] as const, registers }),
    updatesRefused: new Counter({
      name: "liveshare_updates_refused_total",
      help: "Client document updates refused before anything of them was applied: reason malformed-update|unapplicable-update",
      labelNames: ["reason"] as const,
      registers,
    }),
    updateLogRowsSkipped: new Counter({
      name: "liveshare_update_log_rows_skipped_total",
      help: "Stored updates (log rows or states) skipped by a load or compaction because they do not decode or would not apply",
      registers,
    }),
    invariantRepairs: new Counter({ name: "liveshare_invariant_repairs_total", help: "Schema invariant repairs made after merges", registers }),
    redisUp: new Gauge({ name: "liveshare_redis_up", help: "1 when the Redis connection used for multi-instance mode is up", registers }),
    messagesDropped: new Counter({
      name: "liveshare_messages_dropped_total",
      help: "Client messages not used or server messages not sent: reason invalid|foreign|stale|rate_limited|congested",
      labelNames: ["message_type", "reason"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
