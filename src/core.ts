import type { Hocuspocus } from "@hocuspocus/server";
import type { Config } from "./config.ts";
import type { Tokens } from "./auth/tokens.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Presence } from "./awareness/presence.ts";
import type { Access } from "./rooms/access.ts";
import type { Admission } from "./rooms/admission.ts";
import type { LiveRooms } from "./rooms/live-rooms.ts";
import type { MessageCounts } from "./rooms/message-counts.ts";
import type { Database } from "./storage/database.ts";
import type { DiagramStore } from "./storage/diagrams.ts";
import type { DocumentStore } from "./storage/documents.ts";
import type { SessionStore } from "./storage/sessions.ts";
import type { UserStore } from "./storage/users.ts";
import type { SchemaGuard } from "./extensions/schema-guard.ts";
import type { DurableLog } from "./extensions/durable-log.ts";
import type { SnapshotManager } from "./snapshots/snapshot-manager.ts";
import type { SnapshotStore } from "./storage/snapshots.ts";

/** The parts of a running LiveShare that transports (HTTP, the JSON protocol) work with. */
export interface Core {
  config: Config;
  logger: (module: string) => Logger;
  db: Database;
  tokens: Tokens;
  users: UserStore;
  diagrams: DiagramStore;
  sessions: SessionStore;
  documents: DocumentStore;
  access: Access;
  /** How a client gets into a room (token, identity, role, room limit), on either transport. */
  admission: Admission;
  rooms: LiveRooms;
  hocuspocus: Hocuspocus;
  schemaGuard: SchemaGuard;
  durableLog: DurableLog;
  metrics: Metrics;
  /** Presence (awareness) of every room: the JSON protocol hands its clients' presence to it. */
  presence: Presence;
  snapshotStore: SnapshotStore;
  snapshots: SnapshotManager;
  /** Sessions' message_count / last_message_at, counted in memory and written in batches. */
  messageCounts: MessageCounts;
  /** Answers what `/readyz` reports: every dependency and whether it is up. */
  readiness(): Promise<Record<string, boolean>>;
}
