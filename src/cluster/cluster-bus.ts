import { Redis as IORedis } from "ioredis";
import type { Logger } from "../logger.ts";
import type { ControlEvent, RoomControl } from "../rooms/room-control.ts";

const CONTROL_CHANNEL = "liveshare:control";
const LOCK_PREFIX = "liveshare:lock:";

/**
 * LiveShare's own cross-instance traffic (document sync is the Redis extension's): control events —
 * ended sessions, deleted diagrams, changed shares — reach every instance at once, and per-room
 * locks make once-per-room work (snapshots, compaction, retention) run on exactly one instance.
 */
export class ClusterBus {
  /** Called for a diagram deleted on another instance (this instance forgets its rooms). */
  onDiagramDeleted: ((diagramId: string) => void) | undefined;
  private readonly pub: IORedis;
  private readonly sub: IORedis;

  constructor(
    url: string,
    private readonly instanceId: string,
    private readonly control: RoomControl,
    private readonly logger: Logger,
  ) {
    this.pub = new IORedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.sub = new IORedis(url, { maxRetriesPerRequest: null });
    for (const client of [this.pub, this.sub]) client.on("error", () => {});
    this.sub.on("message", (_channel: string, raw: string) => this.receive(raw));
    void this.sub.subscribe(CONTROL_CHANNEL).catch((error: unknown) => this.logger.warn({ err: error }, "control channel subscription failed"));
    control.publish = (event) => this.publish(event);
  }

  private publish(event: ControlEvent): void {
    this.pub.publish(CONTROL_CHANNEL, JSON.stringify({ from: this.instanceId, event })).catch((error: unknown) => {
      // The database already holds the change: other instances refuse the user on its next
      // reconnect; only the immediate disconnect elsewhere is missed.
      this.logger.error({ err: error, event: event.type }, "could not publish a control event to the other instances");
    });
  }

  private receive(raw: string): void {
    let message: { from?: string; event?: ControlEvent };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    if (!message.event || message.from === this.instanceId) return;
    if (message.event.type === "diagram-deleted") this.onDiagramDeleted?.(message.event.diagramId);
    const affected = this.control.apply(message.event);
    this.logger.info({ event: message.event.type, affected }, "control event from another instance applied");
  }

  /** Takes the room's lock for `ttlMs` if nobody holds it (it is not released: it marks the interval as done). */
  async lock(roomId: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.pub.set(`${LOCK_PREFIX}${roomId}`, this.instanceId, "PX", ttlMs, "NX")) === "OK";
    } catch {
      // Redis down: each instance snapshots its own rooms rather than none doing it.
      return true;
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.pub.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.control.publish = undefined;
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
