import { request as httpRequest } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: any;
}

/**
 * A raw HTTP request, so tests control what `fetch` would not let them: chunked bodies, bytes that
 * are not UTF-8, any method, any header.
 */
export function send(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; chunks?: (string | Uint8Array)[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${baseUrl}${options.path}`, { method: options.method, headers: options.headers }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString();
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    // The server may answer (413) and close before the whole body is written; the answer still comes.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    req.on("close", () => {
      if (!answered) reject(new Error(`no response to ${options.method} ${options.path}`));
    });
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}
