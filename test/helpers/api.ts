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

  /** Owner token, a diagram and a live room in one go. */
  async room(username = "owner"): Promise<{ token: string; userId: string; diagramId: string; roomId: string }> {
    const { token, userId } = await this.login(username);
    const diagramId = await this.createDiagram(token);
    const roomId = await this.startSession(token, diagramId);
    return { token, userId, diagramId, roomId };
  }
}
