import { currentSession } from "./auth.ts";

/** A refused REST call, with the server's `{ error: { code, message } }` words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields of the error object (an import's `line` and `column`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One REST call with the signed-in user's token; JSON in, JSON out. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The same call, answering the raw response (exports are text). */
export async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = currentSession()?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    let error: { code?: string; message?: string } & Record<string, unknown> = {};
    try {
      error = ((await response.json()) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON: keep the status words
    }
    const { code, message, ...details } = error;
    throw new ApiError(response.status, code ?? "http_error", message ?? `${response.status} ${response.statusText}`, details);
  }
  return response;
}

/** A diagram as the list and `GET /api/diagrams/:id` give it. */
export interface Diagram {
  id: string;
  name: string;
  owner_id: string;
  role: Role;
  created_at?: string;
  updated_at?: string;
  active_room_id: string | null;
  link_access?: LinkAccess;
}
export type Role = "owner" | "editor" | "viewer";
export type LinkAccess = "none" | "view" | "edit";

export interface Session {
  room_id: string;
  diagram_id: string;
  active: boolean;
  share_link: string;
  role?: Role;
}

export const canEdit = (role: Role | undefined): boolean => role === "owner" || role === "editor";
