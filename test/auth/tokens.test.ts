import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { CloseReason } from "../../src/close-codes.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { acknowledged, synced } from "../helpers/provider.ts";
import { liveShareFixture } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/wait.ts";
import { addTable, tableNames } from "../helpers/documents.ts";

const SECRET = "the-main-applications-shared-secret";

/** A token as the main application mints it: HS256 with the shared secret, `sub`, `name`, `exp`. */
async function mainAppToken(claims: { sub?: string; name?: string; expiresIn?: string | number } = {}, secret = SECRET, alg = "HS256") {
  const jwt = new SignJWT(claims.name === undefined ? { name: "Ada" } : { name: claims.name }).setProtectedHeader({ alg, typ: "JWT" }).setIssuedAt();
  if (claims.sub !== "") jwt.setSubject(claims.sub ?? randomUUID());
  if (claims.expiresIn !== undefined) jwt.setExpirationTime(claims.expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe("access tokens in production mode", () => {
  const live = liveShareFixture({ shared: true, env: { NODE_ENV: "production", AUTH_SECRET: SECRET } });
  const { server } = live;
  let owner: { token: string; userId: string };
  let roomId: string;
  let diagramId: string;

  beforeAll(async () => {
    const userId = randomUUID();
    owner = { userId, token: await mainAppToken({ sub: userId, name: "Owner", expiresIn: "1h" }) };
    diagramId = await server.api.createDiagram(owner.token);
    roomId = await server.api.startSession(owner.token, diagramId);
  });

  const connect = (token: string) => live.connect(roomId, token);

  const refused: { name: string; token: () => Promise<string | undefined>; reason: string }[] = [
    { name: "a missing token", token: async () => undefined, reason: CloseReason.MissingToken },
    { name: "a token that is not a JWT", token: async () => "not-a-token", reason: CloseReason.MalformedToken },
    { name: "a JWT-shaped token of garbage", token: async () => "abc.def.ghi", reason: CloseReason.MalformedToken },
    { name: "an unsigned token (alg none)", token: async () => `${b64({ alg: "none" })}.${b64({ sub: randomUUID(), name: "x" })}.`, reason: CloseReason.MalformedToken },
    { name: "a token signed with HS512", token: () => mainAppToken({ expiresIn: "1h" }, SECRET, "HS512"), reason: CloseReason.MalformedToken },
    { name: "a token signed with another secret", token: () => mainAppToken({ expiresIn: "1h" }, "some-other-secret-of-16+"), reason: CloseReason.InvalidSignature },
    { name: "an expired token", token: () => mainAppToken({ expiresIn: Math.floor(Date.now() / 1000) - 60 }), reason: CloseReason.TokenExpired },
    { name: "a token without an expiry", token: () => mainAppToken({}), reason: CloseReason.InvalidClaims },
    { name: "a token whose subject is not a UUID", token: () => mainAppToken({ sub: "alice", expiresIn: "1h" }), reason: CloseReason.InvalidClaims },
    { name: "a token without a name", token: () => mainAppToken({ name: "", expiresIn: "1h" }), reason: CloseReason.InvalidClaims },
    { name: "a token whose name holds a NUL character", token: () => mainAppToken({ name: "a\u0000b", expiresIn: "1h" }), reason: CloseReason.InvalidClaims },
  ];

  for (const { name, token, reason } of refused) {
    // SPEC: AUTH-1, AUTH-2, REST-1
    it(`refuses ${name} on REST with 401 and ${reason}`, async () => {
      const t = await token();
      const response = await server.api.request("GET", `/api/diagrams/${diagramId}`, t === undefined ? {} : { token: t });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: { code: "unauthorized", message: reason } });
    });

    // SPEC: AUTH-1, CLOSE-2
    it(`refuses ${name} on the Yjs endpoint with ${reason}`, async () => {
      const p = connect((await token()) ?? "");
      await waitFor(() => p.authFailure !== undefined || p.provider.isAuthenticated, "an authentication answer");
      expect(p.authFailure).toBe(reason);
      expect(p.provider.isAuthenticated).toBe(false);
    });
  }

  // SPEC: AUTH-1
  it("names every kind of bad token differently", () => {
    const reasons = new Set(refused.map((r) => r.reason));
    expect([...reasons].sort()).toEqual(["invalid-claims", "invalid-signature", "malformed-token", "missing-token", "token-expired"]);
  });

  // SPEC: AUTH-2
  it("refuses an Authorization header that is not a bearer token as missing", async () => {
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", owner.token]) {
      const response = await fetch(`${server.httpUrl}/api/diagrams/${diagramId}`, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect((await response.json()).error.message).toBe(CloseReason.MissingToken);
    }
  });

  // SPEC: AUTH-4
  it("has no dev-token route", async () => {
    const response = await server.api.request("POST", "/api/dev/token", { body: { username: "mallory" } });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });

  // SPEC: AUTH-3
  it("accepts the main application's tokens everywhere, including for users it has never seen", async () => {
    const owned = connect(owner.token);
    await synced(owned);
    expect(owned.provider.authorizedScope).toBe("read-write");
    addTable(owned.doc, "from-main-app");
    await acknowledged(owned);

    // Shares may name a user before the server has seen any of their tokens.
    const guestId = randomUUID();
    const shared = await server.api.request("PUT", `/api/diagrams/${diagramId}/shares/${guestId}`, { token: owner.token, body: { permission: "view" } });
    expect(shared.status).toBe(200);
    const guest = connect(await mainAppToken({ sub: guestId, name: "Guest", expiresIn: "1h" }));
    await synced(guest);
    expect(guest.provider.authorizedScope).toBe("readonly");
    expect(tableNames(guest.doc)).toEqual(["from-main-app"]);
    expect(await server.liveshare.core.users.get(guestId)).toEqual({ id: guestId, name: "Guest" });
  });
});

describe("production mode start-up", () => {
  // SPEC: AUTH-4
  it("refuses to load a configuration without AUTH_SECRET", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/AUTH_SECRET is required/);
    expect(() => loadConfig({ NODE_ENV: "production", AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET/);
    expect(loadConfig({ NODE_ENV: "production", AUTH_SECRET: SECRET }).production).toBe(true);
  });

  // SPEC: AUTH-4
  it("exits with one clear line when the server is started without AUTH_SECRET", async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", DATABASE_URL: "memory://" };
    const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd: process.cwd(), env });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("liveshare: AUTH_SECRET is required when NODE_ENV=production");
  });
});

describe("access tokens in development mode", () => {
  const { server } = liveShareFixture({ shared: true });

  // SPEC: AUTH-4
  it("gives the same user id to the same username and refuses another server's tokens", async () => {
    const first = await server.api.login("dev-user");
    const second = await server.api.login("dev-user");
    expect(second.userId).toBe(first.userId);
    const foreign = await mainAppToken({ expiresIn: "1h" });
    const response = await server.api.request("GET", "/api/diagrams/" + randomUUID(), { token: foreign });
    expect(response.body).toEqual({ error: { code: "unauthorized", message: CloseReason.InvalidSignature } });
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
