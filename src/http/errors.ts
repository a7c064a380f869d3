import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Machine-readable error codes of the REST API (`{ error: { code, message } }`). */
export const ErrorCode = {
  BadRequest: "bad_request",
  InvalidJson: "invalid_json",
  ValidationFailed: "validation_failed",
  InvalidId: "invalid_id",
  Unauthorized: "unauthorized",
  Forbidden: "forbidden",
  NotFound: "not_found",
  Conflict: "conflict",
  PayloadTooLarge: "payload_too_large",
  UnsupportedMediaType: "unsupported_media_type",
  Internal: "internal_error",
  Unavailable: "unavailable",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const notFound = (what: string) => new HttpError(404, ErrorCode.NotFound, `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, ErrorCode.Forbidden, message);
