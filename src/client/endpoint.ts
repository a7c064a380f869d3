/**
 * Where a client connects: the `/collab` WebSocket URL and the REST base it belongs to, from either
 * form a user may give (`ws://host:8080/collab`, or the server's base `http://host:8080`).
 */
export interface Endpoint {
  /** The Yjs endpoint, `ws(s)://…/collab`. */
  collab: string;
  /** The HTTP base the REST API lives under, `http(s)://…` (no trailing slash). */
  http: string;
}

export function endpointOf(url: string): Endpoint {
  const parsed = new URL(url);
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  else if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") throw new TypeError(`url must be ws(s):// or http(s)://, not ${parsed.protocol}`);
  parsed.search = "";
  parsed.hash = "";
  let path = parsed.pathname.replace(/\/+$/, "");
  if (!path.endsWith("/collab")) path = `${path}/collab`;
  const base = path.slice(0, -"/collab".length);
  parsed.pathname = path;
  const collab = parsed.toString();
  const http = `${parsed.protocol === "wss:" ? "https:" : "http:"}//${parsed.host}${base}`;
  return { collab, http };
}
