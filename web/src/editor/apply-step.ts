import type { LiveShareClient } from "liveshare/client";
import type { GraphOperation } from "../schema.ts";

/**
 * One discrete action — a button, a checkbox, a field left, a new relationship — applied as an undo
 * step of its own: the client library merges edits made within half a second into one step (right for
 * a drag's many moves, which end theirs at the drag's end), so without this, a table created and a
 * column added a moment later would be undone together. A refused operation is told to `onError`.
 */
export function applyStep(client: LiveShareClient, op: GraphOperation, onError: (message: string) => void): void {
  client.stopCapturing();
  try {
    client.apply(op);
  } catch (error) {
    onError(error instanceof Error ? error.message : String(error));
  }
  client.stopCapturing();
}
