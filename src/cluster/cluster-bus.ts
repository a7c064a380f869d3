import { randomUUID } from "node:crypto";
import { Redis as IORedis } from "ioredis";
import type { Logger } from "../logger.ts";
import type { ControlEvent, RoomControl } from "../rooms/room-control.ts";

const CONTROL_CHANNEL = "liveshare:control";
/** Each instance that applied a control event says so here. */
const ACK_CHANNEL = "liveshare:control-ack";
/** How long an instance waits for the others to apply its control event. */
const ACK_TIMEOUT_MS = 2_000;
const LOCK_PREFIX = "liveshare:lock:";

/**
 * LiveShare's own cross-instance traffic (document sync is the Redis extension's): control events —
 * ended sessions, deleted diagrams, changed shares — reach every instance at once (the sender waits
 * until each instance that received one has applied it, so a REST call that revokes access returns
 * only once no instance acts with the old role), and per-room
 * locks make once-per-room work (snapshots, compaction, retention) run on exactly one instance.
 */
export class ClusterBus {
  /** Called for a diagram deleted on another instance (this instance forgets its rooms). */
  onDiagramDeleted: ((diagramId: string) => void) | undefined;
  private readonly pub: IORedis;
  private readonly sub: IORedis;
  /** Control events of this instance waiting for acknowledgements: id → acknowledgement count. */
  private readonly waiting = new Map<string, { acks: number; heard: () => void }>();

  constructor(
    url: string,
    private readonly instanceId: string,
    private readonly control: RoomControl,
    private readonly logger: Logger,
  ) {
    this.pub = new IORedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.sub = new IORedis(url, { maxRetriesPerRequest: null });
    for (const client of [this.pub, this.sub]) client.on("error", () => {});
    this.sub.on("message", (channel: string, raw: string) => (channel === ACK_CHANNEL ? this.acknowledged(raw) : this.receive(raw)));
    void this.sub.subscribe(CONTROL_CHANNEL, ACK_CHANNEL).catch((error: unknown) => this.logger.warn({ err: error }, "control channel subscription failed"));
    control.publish = (event) => this.publish(event);
  }

  /** Resolves once every instance subscribed (this one included) acknowledged the event, or after ACK_TIMEOUT_MS. */
  private async publish(event: ControlEvent): Promise<void> {
    const id = randomUUID();
    let heard = () => {};
    const entry = { acks: 0, heard: () => heard() };
    this.waiting.set(id, entry);
    let timer: NodeJS.Timeout | undefined;
    try {
      const receivers = await this.pub.publish(CONTROL_CHANNEL, JSON.stringify({ from: this.instanceId, id, event }));
      const all = new Promise<boolean>((resolve) => {
        heard = () => {
          if (entry.acks >= receivers) resolve(true);
        };
        heard();
        timer = setTimeout(() => resolve(false), ACK_TIMEOUT_MS);
      });
      if (!(await all)) this.logger.warn({ event: event.type, receivers, acks: entry.acks }, "not every instance acknowledged a control event in time");
    } catch (error) {
      // The database already holds the change: other instances refuse the user on its next
      // reconnect; only the immediate disconnect elsewhere is missed.
      this.logger.error({ err: error, event: event.type }, "could not publish a control event to the other instances");
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  private acknowledged(raw: string): void {
    let message: { id?: string };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    const entry = message.id === undefined ? undefined : this.waiting.get(message.id);
    if (!entry) return;
    entry.acks += 1;
    entry.heard();
  }

  private receive(raw: string): void {
    let message: { from?: string; id?: string; event?: ControlEvent };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    if (!message.event) return;
    // Its own event was applied before it was published; every receiver acknowledges, so that the
    // sender can count on PUBLISH's receiver count.
    if (message.from !== this.instanceId) {
      if (message.event.type === "diagram-deleted") this.onDiagramDeleted?.(message.event.diagramId);
      const affected = this.control.apply(message.event);
      this.logger.info({ event: message.event.type, affected }, "control event from another instance applied");
    }
    if (message.id === undefined) return;
    this.pub.publish(ACK_CHANNEL, JSON.stringify({ id: message.id, from: this.instanceId })).catch((error: unknown) => {
      this.logger.warn({ err: error }, "could not acknowledge a control event");
    });
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
