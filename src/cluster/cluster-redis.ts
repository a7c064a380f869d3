import { Redis as RedisExtension } from "@hocuspocus/extension-redis";
import type { afterLoadDocumentPayload, Hocuspocus } from "@hocuspocus/server";
import { Redis as IORedis } from "ioredis";
import type { Logger } from "../logger.ts";
import { RESYNC_ORIGIN } from "../origins.ts";

/**
 * Hocuspocus's Redis extension, made to survive a Redis outage: a room loaded while Redis is down is
 * served from this instance at once (its subscription waits in ioredis's offline queue instead of
 * blocking the load), and when Redis comes back every loaded room announces its state vector, so
 * peers send what this instance missed and ask for what they missed.
 */
export class ClusterRedis extends RedisExtension {
  extensionName = "redis";
  private hocuspocus: Hocuspocus | undefined;
  private wasDown = false;

  constructor(
    url: string,
    identifier: string,
    private readonly logger: Logger,
    private readonly onStatus: (up: boolean) => void,
  ) {
    super({ createClient: () => new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: false }), identifier, prefix: "liveshare" });
    const watch = (client: IORedis, name: string) => {
      client.on("error", (error: Error) => this.logger.debug({ err: error, client: name }, "redis error"));
      client.on("end", () => this.down());
      client.on("close", () => this.down());
      client.on("ready", () => this.up());
    };
    watch(this.pub as IORedis, "pub");
    watch(this.sub as IORedis, "sub");
  }

  override async onConfigure(payload: Parameters<RedisExtension["onConfigure"]>[0]): Promise<void> {
    this.hocuspocus = payload.instance;
    await super.onConfigure(payload);
  }

  get isUp(): boolean {
    return (this.pub as IORedis).status === "ready" && (this.sub as IORedis).status === "ready";
  }

  override async afterLoadDocument(payload: afterLoadDocumentPayload): Promise<void> {
    const subscribed = super.afterLoadDocument(payload);
    if (this.isUp) return subscribed;
    subscribed.catch((error: unknown) => this.logger.warn({ err: error, roomId: payload.documentName }, "redis subscription failed"));
    this.logger.warn({ roomId: payload.documentName }, "redis unavailable: serving the room from this instance only until it returns");
  }

  /**
   * The store lock only saves duplicate work (compaction is serialised by a database row lock), so
   * while Redis is down the store goes ahead without it instead of waiting in ioredis's offline
   * queue — which would keep the document loaded and hang shutdown.
   */
  override async onStoreDocument(payload: Parameters<RedisExtension["onStoreDocument"]>[0]): Promise<void> {
    if (!this.isUp) return;
    await super.onStoreDocument(payload);
  }

  override async afterStoreDocument(payload: Parameters<RedisExtension["afterStoreDocument"]>[0]): Promise<void> {
    if (!this.isUp) return;
    await super.afterStoreDocument(payload);
  }

  private down(): void {
    if (this.wasDown) return;
    this.wasDown = true;
    this.onStatus(false);
    this.logger.error("redis connection lost: rooms keep working on this instance; other instances will catch up when it returns");
  }

  private up(): void {
    if (!this.isUp) return;
    this.onStatus(true);
    if (!this.wasDown) return;
    this.wasDown = false;
    const documents = [...(this.hocuspocus?.documents.values() ?? [])];
    this.logger.info({ rooms: documents.length }, "redis connection back: resynchronising loaded rooms with the other instances");
    for (const document of documents) {
      // onChange publishes this document's state vector; peers answer with what we lack and ask
      // for what they lack, so both sides converge.
      void this.onChange({ documentName: document.name, document, transactionOrigin: RESYNC_ORIGIN } as Parameters<RedisExtension["onChange"]>[0]);
    }
  }
}
