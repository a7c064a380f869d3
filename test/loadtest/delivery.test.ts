import { describe, expect, it } from "vitest";
import { computeDelivery } from "../../bench/loadtest/delivery.ts";
import { emptyCounters, type UserResult } from "../../bench/loadtest/plan.ts";

function user(index: number, sendTimes: number[]): UserResult {
  return { index, counters: emptyCounters(), sendTimes, ackLatencies: [], unacked: 0, ready: true, disconnects: 0, reconnects: 0, errorCount: 0, errors: [] };
}

/** Flat [receiver, sender, seq, arrival] records, as workers report them. */
const receipts = (...records: Array<[number, number, number, number]>) => Float64Array.from(records.flat());

describe("edit delivery", () => {
  it("counts an edit delivered at the first receipt of it or of a later edit that overwrote it", () => {
    // User 0 sends edits 1..3 at t=0, 100, 200; user 1 (same room) sees edit 1 at 5 and then only edit 3 at 230.
    const result = computeDelivery([user(0, [0, 100, 200]), user(1, [])], [receipts([1, 0, 1, 5], [1, 0, 3, 230])], 1, 1000);
    expect(result.pairs).toBe(3);
    expect(result.delivered).toBe(3);
    expect(result.latency.max).toBe(130);
    expect(result.latency.p50).toBe(30);
  });

  it("counts edits that never arrive, or arrive after the deadline, as undelivered and infinitely late", () => {
    const result = computeDelivery([user(0, [0, 100]), user(1, [])], [receipts([1, 0, 1, 5], [1, 0, 2, 2000])], 1, 1000);
    expect(result.delivered).toBe(1);
    expect(result.deliveredPercent).toBe(50);
    expect(result.latency.p99).toBe(Number.POSITIVE_INFINITY);
    expect(result.editsFullyDelivered).toBe(1);
  });

  it("expects each edit only at the other members of the sender's room", () => {
    // Rooms: users 0 and 2 in room 0, user 1 alone in room 1.
    const result = computeDelivery([user(0, [0]), user(1, [0]), user(2, [])], [receipts([2, 0, 1, 3])], 2, 1000);
    expect(result.pairs).toBe(1);
    expect(result.deliveredPercent).toBe(100);
  });

  it("reports latency per group of (sender, receiver) pairs when asked, such as per protocol", () => {
    const protocol = (index: number) => (index === 0 ? "json" : "yjs");
    const result = computeDelivery([user(0, [0]), user(1, [0])], [receipts([1, 0, 1, 150], [0, 1, 1, 2])], 1, 1000, (s, r) => `${protocol(s)}→${protocol(r)}`);
    expect(result.groups["json→yjs"]).toMatchObject({ pairs: 1, delivered: 1, latency: { p50: 150 } });
    expect(result.groups["yjs→json"]).toMatchObject({ pairs: 1, delivered: 1, latency: { p50: 2 } });
  });
});
