import type { UserResult } from "./plan.ts";
import { roomOf } from "./provision.ts";
import { distribution, type Distribution } from "./stats.ts";

export interface Delivery {
  editsSent: number;
  /** (edit, receiver) pairs: every edit times every other member of its room. */
  pairs: number;
  delivered: number;
  deliveredPercent: number;
  /** Latency over every pair; undelivered pairs count as infinitely late. */
  latency: Distribution;
  /** Edits that reached every other member of the room. */
  editsFullyDelivered: number;
  /** Edits weighted by the share of receivers they reached (what "server CPU per delivered edit" divides by). */
  deliveredEdits: number;
  /** The same per group of (sender, receiver) pairs, when a grouping was asked for (e.g. "json→yjs"). */
  groups: Record<string, { pairs: number; delivered: number; latency: Distribution }>;
}

/**
 * Sender → receiver latency of every edit. A receiver that sees edit k+1 before edit k has seen
 * edit k too (the later move overwrites the earlier one in the same map; Yjs delivers a sender's
 * changes in order), so edit k counts as delivered at the first receipt with seq ≥ k.
 */
export function computeDelivery(
  users: UserResult[],
  receipts: Float64Array[],
  rooms: number,
  deadline: number,
  groupOf?: (sender: number, receiver: number) => string,
): Delivery {
  const count = users.length;
  // receiver*count + sender → [seq, arrival, seq, arrival, ...] in arrival order per worker; merged and sorted below.
  const observed = new Map<number, number[]>();
  for (const flat of receipts) {
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const key = flat[i]! * count + flat[i + 1]!;
      let list = observed.get(key);
      if (!list) observed.set(key, (list = []));
      list.push(flat[i + 2]!, flat[i + 3]!);
    }
  }
  const members = new Map<number, number[]>();
  for (const u of users) {
    const room = roomOf(u.index, rooms);
    let list = members.get(room);
    if (!list) members.set(room, (list = []));
    list.push(u.index);
  }

  const latencies: number[] = [];
  const grouped = new Map<string, { latencies: number[]; delivered: number }>();
  let delivered = 0;
  let editsSent = 0;
  let fully = 0;
  let deliveredEdits = 0;
  for (const sender of users) {
    const times = sender.sendTimes;
    editsSent += times.length;
    const receivers = (members.get(roomOf(sender.index, rooms)) ?? []).filter((r) => r !== sender.index);
    const reachedAll = new Array<boolean>(times.length).fill(true);
    const before = delivered;
    for (const receiver of receivers) {
      const list = observed.get(receiver * count + sender.index) ?? [];
      const obs: Array<[number, number]> = [];
      for (let i = 0; i < list.length; i += 2) obs.push([list[i]!, list[i + 1]!]);
      obs.sort((a, b) => a[1] - b[1]);
      const key = groupOf?.(sender.index, receiver);
      let group = key === undefined ? undefined : grouped.get(key);
      if (key !== undefined && !group) grouped.set(key, (group = { latencies: [], delivered: 0 }));
      let j = 0;
      for (let k = 0; k < times.length; k++) {
        const seq = k + 1;
        while (j < obs.length && obs[j]![0] < seq) j++;
        const hit = obs[j];
        const latency = hit && hit[1] <= deadline ? hit[1] - times[k]! : Number.POSITIVE_INFINITY;
        latencies.push(latency);
        group?.latencies.push(latency);
        if (latency !== Number.POSITIVE_INFINITY) {
          delivered += 1;
          if (group) group.delivered += 1;
        } else {
          reachedAll[k] = false;
        }
      }
    }
    fully += reachedAll.filter(Boolean).length;
    deliveredEdits += receivers.length === 0 ? times.length : (delivered - before) / receivers.length;
  }
  const pairs = latencies.length;
  return {
    editsSent,
    pairs,
    delivered,
    deliveredPercent: pairs === 0 ? 100 : (100 * delivered) / pairs,
    latency: distribution(latencies),
    editsFullyDelivered: fully,
    deliveredEdits,
    groups: Object.fromEntries(
      [...grouped].map(([key, g]) => [key, { pairs: g.latencies.length, delivered: g.delivered, latency: distribution(g.latencies) }]),
    ),
  };
}
