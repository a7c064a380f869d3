import { randomUUID } from "node:crypto";
import type { UserPlan } from "./plan.ts";
import { colorOf } from "./user.ts";

export interface Layout {
  users: number;
  rooms: number;
  /** Users speaking the JSON protocol instead of Yjs (LiveShare only); the first ones, so spread over rooms. */
  jsonClients: number;
  /** Distinguishes this run's usernames from earlier runs'. */
  runId: string;
}

/** User i is in room i mod rooms; the first user of a room owns its diagram. */
export function roomOf(index: number, rooms: number): number {
  return index % rooms;
}

/**
 * Tokens, diagrams, shares and sessions through LiveShare's real REST path: `POST /api/dev/token`,
 * `POST /api/diagrams`, `PUT /api/diagrams/:id/shares/:userId`, `POST /api/liveshare/sessions`.
 */
export async function provisionLiveShare(httpUrl: string, layout: Layout, concurrency = 16): Promise<UserPlan[]> {
  const call = async <T>(method: string, path: string, body: unknown, token?: string): Promise<T> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${httpUrl}${path}`, { method, headers, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };

  const logins = await mapLimit(range(layout.users), concurrency, (i) =>
    call<{ token: string; user_id: string }>("POST", "/api/dev/token", { username: `loadtest-${layout.runId}-${i}` }),
  );
  const rooms = await mapLimit(range(layout.rooms), concurrency, async (room) => {
    const owner = logins[room]!;
    const diagram = await call<{ id: string }>("POST", "/api/diagrams", { name: `Load test ${layout.runId} room ${room}` }, owner.token);
    return { diagramId: diagram.id, ownerToken: owner.token };
  });
  await mapLimit(range(layout.users).filter((i) => i >= layout.rooms), concurrency, async (i) => {
    const room = rooms[roomOf(i, layout.rooms)]!;
    await call("PUT", `/api/diagrams/${room.diagramId}/shares/${logins[i]!.user_id}`, { permission: "edit" }, room.ownerToken);
  });
  const sessions = await mapLimit(rooms, concurrency, (room) =>
    call<{ room_id: string }>("POST", "/api/liveshare/sessions", { diagram_id: room.diagramId }, room.ownerToken),
  );
  return range(layout.users).map((i) => ({
    index: i,
    room: roomOf(i, layout.rooms),
    documentName: sessions[roomOf(i, layout.rooms)]!.room_id,
    token: logins[i]!.token,
    userId: logins[i]!.user_id,
    name: `loadtest-${i}`,
    color: colorOf(i),
    tableId: randomUUID(),
    protocol: i < layout.jsonClients ? "json" : "yjs",
  }));
}

/** Bare Hocuspocus has no REST and no authentication: random room names, any token. */
export function provisionBare(layout: Layout): UserPlan[] {
  const names = range(layout.rooms).map(() => randomUUID());
  return range(layout.users).map((i) => ({
    index: i,
    room: roomOf(i, layout.rooms),
    documentName: names[roomOf(i, layout.rooms)]!,
    token: "bare",
    userId: randomUUID(),
    name: `loadtest-${i}`,
    color: colorOf(i),
    tableId: randomUUID(),
    protocol: "yjs",
  }));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
