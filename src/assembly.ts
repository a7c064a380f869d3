import { randomUUID } from "node:crypto";
import { getRequestListener } from "@hono/node-server";
import { Hocuspocus } from "@hocuspocus/server";
import type { Config } from "./config.ts";
import { CloseReason } from "./close-codes.ts";
import type { ConnectionContext } from "./collab/connection-context.ts";
import type { Core } from "./core.ts";
import { Tokens } from "./auth/tokens.ts";
import { ClusterBus } from "./cluster/cluster-bus.ts";
import { ClusterRedis } from "./cluster/cluster-redis.ts";
import { authentication } from "./extensions/authentication.ts";
import { DurableLog } from "./extensions/durable-log.ts";
import { FrameGuard } from "./collab/frame-guard.ts";
import { LiveEdits } from "./collab/live-edits.ts";
import { metricsExtension } from "./extensions/metrics.ts";
import { persistence } from "./extensions/persistence.ts";
import { PresenceExtension } from "./awareness/yjs-presence.ts";
import { CriticalLimiter } from "./limits/critical-limiter.ts";
import { Presence } from "./awareness/presence.ts";
import { ViolationLog } from "./limits/violations.ts";
import { RateLimitStore } from "./storage/rate-limits.ts";
import { JsonProtocolEndpoint } from "./json-protocol/endpoint.ts";
import { SchemaGuard } from "./extensions/schema-guard.ts";
import { UnauthenticatedSockets } from "./limits/unauthenticated.ts";
import { createApp } from "./http/app.ts";
import { createHttpServer, listenOn } from "./http/server.ts";
import { startMetricsServer, type MetricsServer } from "./http/metrics-server.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { Access } from "./rooms/access.ts";
import { Admission } from "./rooms/admission.ts";
import { LiveRooms } from "./rooms/live-rooms.ts";
import { MessageCounts } from "./rooms/message-counts.ts";
import { RoomControl } from "./rooms/room-control.ts";
import { closeRooms } from "./rooms/shutdown.ts";
import type { Database } from "./storage/database.ts";
import { DiagramStore } from "./storage/diagrams.ts";
import { DocumentStore } from "./storage/documents.ts";
import { openDatabase } from "./storage/open.ts";
import { SessionStore } from "./storage/sessions.ts";
import { devAuthSecret } from "./storage/settings.ts";
import { UpdateLog } from "./storage/update-log.ts";
import { UserStore } from "./storage/users.ts";
import { SnapshotStore } from "./storage/snapshots.ts";
import { SnapshotManager } from "./snapshots/snapshot-manager.ts";
import { CoalescedWrites } from "./collab/coalesce.ts";
import { CollabEndpoint } from "./collab/endpoint.ts";


export interface LiveShareOptions {
  /** Use this database instead of opening the configured one (tests); it is not closed by `close()`. */
  db?: Database;
  /** PostgreSQL schema to open (tests give each server its own). */
  schema?: string;
  logger?: { root: Logger; child: (module: string) => Logger };
}

export interface LiveShare {
  core: Core;
  /** Starts listening; resolves with the bound port (useful with PORT=0). */
  listen(): Promise<number>;
  /** The bound METRICS_PORT once listening, when metrics have a port of their own. */
  readonly metricsPort: number | undefined;
  /** Closes every connection, stores every open document, closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/** Builds a LiveShare server from its configuration: storage, Hocuspocus with LiveShare's extensions, HTTP. */
export async function createLiveShare(config: Config, options: LiveShareOptions = {}): Promise<LiveShare> {
  const logging =
    options.logger ?? createLogger({ level: config.logLevel, moduleLevels: config.moduleLogLevels, pretty: process.stdout.isTTY && !config.production });
  const log = logging.child("server");
  const db = options.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...(options.schema ? { schema: options.schema } : {}) }));
  const secret = config.authSecret ?? (await devAuthSecret(db));
  const tokens = new Tokens(secret);
  const metrics = createMetrics();
  const access = new Access(db);
  const rooms = new LiveRooms();
  const control = new RoomControl(rooms);
  const documents = new DocumentStore(db);
  const storageLog = logging.child("persistence");
  documents.onSkipped = (diagramId, rows) => {
    metrics.updateLogRowsSkipped.inc(rows);
    storageLog.error({ diagramId, skipped: rows }, "skipped stored updates that do not decode or would not apply");
  };
  const updateLog = new UpdateLog(db);
  updateLog.onBatch = (entries, seconds, error) => {
    metrics.appendSeconds.observe(seconds);
    metrics.appendBatchSize.observe(entries);
    if (error) metrics.appendFailures.inc();
  };

  const schemaGuard = new SchemaGuard({ rooms, logger: logging.child("schema"), onRepair: (n) => metrics.invariantRepairs.inc(n), onUnload: (roomId) => access.forget(roomId) });
  const frameGuard = new FrameGuard(logging.child("frames"), (reason) => metrics.updatesRefused.inc({ reason }));
  const durableLog = new DurableLog({
    log: updateLog,
    logger: logging.child("durability"),
    diagramOf: (roomId) => access.diagramOf(roomId),
    checked: (frame) => frameGuard.checked(frame),
    onRefused: (problem) => metrics.updatesRefused.inc({ reason: problem === "undecodable" ? CloseReason.MalformedUpdate : CloseReason.UnapplicableUpdate }),
  });

  // Several instances: Hocuspocus's Redis extension syncs documents and awareness; the bus carries
  // LiveShare's own control events and once-per-room locks.
  const instanceId = `liveshare-${randomUUID()}`;
  const clusterLog = logging.child("cluster");
  const redis = config.redisUrl ? new ClusterRedis(config.redisUrl, instanceId, clusterLog, (up) => metrics.redisUp.set(up ? 1 : 0)) : undefined;
  const bus = config.redisUrl ? new ClusterBus(config.redisUrl, instanceId, control, clusterLog) : undefined;
  if (bus) bus.onDiagramDeleted = (diagramId) => access.forgetDiagram(diagramId);

  const snapshotStore = new SnapshotStore(db);
  const snapshots = new SnapshotManager({
    db,
    documents,
    snapshots: snapshotStore,
    rooms,
    access,
    intervalMs: config.snapshotIntervalMs,
    retention: config.snapshotRetention,
    logger: logging.child("snapshots"),
    metrics,
    ...(bus ? { lock: (roomId: string, ttlMs: number) => bus.lock(roomId, ttlMs) } : {}),
  });

  const violations = new ViolationLog({ store: new RateLimitStore(db), logger: logging.child("rate-limit"), flushMs: config.rateLimitFlushMs });
  const presence = new Presence({
    idleAfterMs: config.idleAfterMs,
    awayAfterMs: config.awayAfterMs,
    batchMs: config.presenceBatchMs,
    metrics,
    logger: logging.child("presence"),
    violations,
  });
  rooms.statusOf = (roomId, userId) => presence.statusOf(roomId, userId);
  const writes = new CoalescedWrites();
  const presenceExtension = new PresenceExtension({
    presence,
    violations,
    limiter: new CriticalLimiter({ burst: config.criticalBurst, perSecond: config.criticalPerSecond, metrics, logger: logging.child("rate-limit"), violations }),
    maxBufferedBytes: config.presenceSendBufferBytes,
    sendBacklog: (socket) => writes.backlog(socket),
    metrics,
  });

  const sessions = new SessionStore(db);
  const messageCounts = new MessageCounts({ sessions, rooms, flushMs: config.messageCountFlushMs, logger: log });
  const users = new UserStore(db);
  const admission = new Admission({ tokens, access, users, rooms, maxUsersPerRoom: config.maxUsersPerRoom, logger: logging.child("auth") });

  const unauthenticated = new UnauthenticatedSockets(
    {
      perAddress: config.maxUnauthenticatedPerAddress,
      total: config.maxUnauthenticated,
      bytesPerSocket: config.unauthenticatedBytesPerSocket,
      bytesTotal: config.unauthenticatedBytesTotal,
      timeoutMs: config.authTimeoutMs,
    },
    logging.child("connections"),
  );
  const yjsMetrics = metricsExtension({ metrics, rooms, logger: logging.child("connections") });
  const liveEdits = new LiveEdits({
    confirmed: (context) => admission.confirmed(context),
    received: (frame, connection) => yjsMetrics.received(frame, connection, connection.document.name),
    receive: (connection, frame, update) => durableLog.receive(connection, frame, update),
    fannedOut: (roomId) => yjsMetrics.fannedOut(roomId),
  });

  // Hocuspocus without its Server: LiveShare's own HTTP server hands it the /collab sockets.
  const hocuspocus = new Hocuspocus<ConnectionContext>({
    name: "liveshare",
    quiet: true,
    // Durability comes from the update log, so the full-state store is only compaction: rarer is cheaper.
    debounce: 5_000,
    maxDebounce: 30_000,
    flushDelay: config.flushDelayMs,
    // The same per-socket bound as frames held by LiveShare before authentication.
    maxUnauthenticatedQueueSize: config.unauthenticatedBytesPerSocket,
    extensions: [
      ...(redis ? [redis] : []),
      yjsMetrics,
      authentication({ admission, logger: logging.child("auth") }),
      unauthenticated,
      frameGuard,
      presenceExtension,
      schemaGuard,
      durableLog,
      liveEdits,
      persistence({
        access,
        documents,
        logger: logging.child("persistence"),
        onLoaded: (seconds) => {
          metrics.documentsLoaded.inc();
          metrics.documentLoadSeconds.observe(seconds);
        },
        onStored: (seconds, _bytes, error) => {
          metrics.storeSeconds.observe(seconds);
          if (error) metrics.storeFailures.inc();
        },
      }),
    ],
  });

  const core: Core = {
    config,
    logger: logging.child,
    db,
    tokens,
    users,
    diagrams: new DiagramStore(db),
    sessions,
    documents,
    access,
    admission,
    rooms,
    hocuspocus,
    schemaGuard,
    durableLog,
    metrics,
    presence,
    snapshotStore,
    snapshots,
    messageCounts,
    async readiness() {
      const database = await db.ping().then(
        () => true,
        () => false,
      );
      const checks: Record<string, boolean> = { database };
      if (bus) checks.redis = await bus.ping();
      return checks;
    },
  };

  const collab = new CollabEndpoint(hocuspocus, {
    maxPayload: config.maxMessageBytes,
    logger: logging.child("connections"),
    // A live room's edits are handled by the last stage, after the guard checked them and presence
    // charged them; everything else goes on to Hocuspocus.
    stages: [frameGuard, unauthenticated, messageCounts, presenceExtension, liveEdits],
    // Every frame sent, in this order: an edit's echo to its author is dropped; an acknowledgement is
    // held until its edit is durable (and counted when it does leave); presence to a congested socket
    // is dropped before it is counted; what is left is counted, then written — one write per socket
    // per event-loop step.
    outgoing: [liveEdits, durableLog, presenceExtension, yjsMetrics, writes],
    unauthenticated,
  });
  const jsonProtocol = new JsonProtocolEndpoint(core, {
    unauthenticated,
    limiter: new CriticalLimiter({ burst: config.criticalBurst, perSecond: config.criticalPerSecond, metrics, logger: logging.child("rate-limit"), violations }),
  });
  const app = createApp(core, control);
  const httpServer = createHttpServer({
    requests: getRequestListener(app.fetch, { overrideGlobalObjects: false }),
    collab,
    jsonProtocol,
  });

  let closing: Promise<void> | undefined;
  let metricsServer: MetricsServer | undefined;
  return {
    core,
    get metricsPort() {
      return metricsServer?.port;
    },
    async listen() {
      const port = await listenOn(httpServer, config);
      await hocuspocus.hooks("onListen", { instance: hocuspocus, configuration: hocuspocus.configuration, port });
      if (config.metricsPort !== undefined) {
        metricsServer = await startMetricsServer(metrics.registry, { host: config.host, port: config.metricsPort, logger: log });
      }
      snapshots.start();
      messageCounts.start();
      const url = openUrl(config.host, port);
      const development = !config.authSecret;
      log.info(
        {
          host: config.host,
          port,
          url,
          database: db.kind,
          mode: development ? "development" : "production",
          ...(development ? { token: `curl -s -X POST ${url}api/dev/token -H 'content-type: application/json' -d '{"username":"alice"}'` } : {}),
        },
        "listening",
      );
      return port;
    },
    close() {
      closing ??= (async () => {
        log.info("shutting down: closing connections and storing open documents");
        await snapshots.stop();
        // Before any connection closes: every changed room's last state, as the snapshot history's end.
        await snapshots.snapshotAll("shutdown");
        // JSON clients hold their rooms' documents open: release them first, or the rooms never unload.
        await jsonProtocol.close();
        // No new connections; then every room's connections close and its document is stored.
        httpServer.close();
        await closeRooms(hocuspocus);
        // Then the sockets themselves (Hocuspocus closes only their document connections).
        await collab.close();
        await messageCounts.stop();
        await metricsServer?.close();
        await bus?.close();
        if (!options.db) await db.close();
        log.info("stopped");
      })();
      return closing;
    },
  };
}

/** The address a person opens in a browser: a wildcard HOST is reachable as localhost. */
export function openUrl(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${port}/`;
}
