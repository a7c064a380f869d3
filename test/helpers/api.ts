/** A tiny REST client for tests: every call returns status and parsed JSON body. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined || options.rawBody !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, body: json };
  }

  /** `request` as REST tests write it: `call("PUT", path, token, { permission: "edit" })`. */
  call(method: string, path: string, token?: string, body?: unknown) {
    return this.request(method, path, { token, body });
  }

  /** A development token for `username`. */
  async login(username: string): Promise<{ token: string; userId: string }> {
    const { status, body } = await this.request("POST", "/api/dev/token", { body: { username } });
    if (status !== 200) throw new Error(`dev token failed: ${status} ${JSON.stringify(body)}`);
    return { token: body.token, userId: body.user_id };
  }

  async createDiagram(token: string, name = "Test diagram"): Promise<string> {
    const { status, body } = await this.request("POST", "/api/diagrams", { token, body: { name } });
    if (status !== 201) throw new Error(`create diagram failed: ${status} ${JSON.stringify(body)}`);
    return body.id;
  }

  async startSession(token: string, diagramId: string): Promise<string> {
    const { status, body } = await this.request("POST", "/api/liveshare/sessions", { token, body: { diagram_id: diagramId } });
    if (status !== 201 && status !== 200) throw new Error(`start session failed: ${status} ${JSON.stringify(body)}`);
    return body.room_id;
  }

  /** Shares the diagram with `userId`, as its owner (holder of `token`). */
  async share(token: string, diagramId: string, userId: string, permission: "edit" | "view"): Promise<void> {
    const { status, body } = await this.call("PUT", `/api/diagrams/${diagramId}/shares/${userId}`, token, { permission });
    if (status !== 200) throw new Error(`share failed: ${status} ${JSON.stringify(body)}`);
  }

  /** A new user `username` with whom the owner shared the diagram: their token and id. */
  async member(owner: { token: string; diagramId: string }, username: string, permission: "edit" | "view" = "edit"): Promise<{ token: string; userId: string }> {
    const user = await this.login(username);
    await this.share(owner.token, owner.diagramId, user.userId, permission);
    return user;
  }

  /** Owner token, a diagram and a live room in one go. */
  async room(username = "owner"): Promise<{ token: string; userId: string; diagramId: string; roomId: string }> {
    const { token, userId } = await this.login(username);
    const diagramId = await this.createDiagram(token);
    const roomId = await this.startSession(token, diagramId);
    return { token, userId, diagramId, roomId };
  }
}
