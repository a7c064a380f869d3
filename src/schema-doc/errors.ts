/**
 * Why an operation was refused. An `as const` object rather than a TS enum so the values are plain
 * strings on the wire and the union type is derived from one source.
 */
export const OperationErrorCode = {
  /** The operation is malformed, out of bounds, or impossible in the document's current shape. */
  InvalidOperation: "invalid_operation",
  /** A table, column or relationship the operation names does not exist. */
  NotFound: "not_found",
  /** An id the operation wants to create is already taken. */
  Conflict: "conflict",
} as const;

/** One of the values of {@link OperationErrorCode}. */
export type OperationErrorCode = (typeof OperationErrorCode)[keyof typeof OperationErrorCode];

/**
 * Thrown by `parseGraphOperation` and `applyOperation`. When it is thrown the document has not
 * been changed, so callers can report `{ code, message }` to the client and carry on.
 */
export class OperationError extends Error {
  override readonly name = "OperationError";
  readonly code: OperationErrorCode;

  constructor(code: OperationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
