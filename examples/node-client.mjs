// A Node program that joins a LiveShare diagram with `liveshare/client` (works on Node 20, which has
// no WebSocket of its own: `ws` is passed in). Against a development server (`npm start`):
//   node examples/node-client.mjs                       # server at http://127.0.0.1:8080
//   LIVESHARE_URL=http://host:8080 node examples/node-client.mjs
// It gets a development token, creates a diagram and a session, adds a table, waits until the server
// has stored it, and prints the diagram.
import WebSocket from "ws";
import { LiveShareClient } from "liveshare/client";

const base = process.env.LIVESHARE_URL ?? "http://127.0.0.1:8080";

async function post(path, body, token) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const { token } = await post("/api/dev/token", { username: "node-example" });
const diagram = await post("/api/diagrams", { name: "from node" }, token);
const { room_id: roomId } = await post("/api/liveshare/sessions", { diagram_id: diagram.id }, token);

const client = new LiveShareClient({ url: base, roomId, token, WebSocketPolyfill: WebSocket });
client.on("status", (s) => console.error(`status: ${s.connection}, unsynced ${s.unsyncedChanges}${s.closed ? `, closed: ${s.closed.reason}` : ""}`));
client.on("change", (c) => console.error(`change (${c.origin}): tables +${c.tables.added.length} ~${c.tables.updated.length} -${c.tables.removed.length}`));

client.apply({ type: "CreateTable", name: "customers", x: 0, y: 0, columns: [{ name: "id", type: "uuid", primary_key: true }] });
await client.settled(); // stored on the server
console.log(JSON.stringify({ diagram_id: diagram.id, room_id: roomId, schema: client.diagram() }));
client.destroy();
