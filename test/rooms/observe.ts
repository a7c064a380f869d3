import type { TestProvider } from "../helpers/provider.ts";
import { decodeServerFrame, type ServerFrame } from "../helpers/raw-client.ts";

/**
 * Every frame the server sent to a provider, decoded: lets a test see what the provider was told
 * (its SyncStatus answers in particular, which the provider does not surface for a refused update).
 */
export function recordFrames(p: TestProvider): ServerFrame[] {
  const seen: ServerFrame[] = [];
  p.provider.on("message", ({ event }: { event: MessageEvent }) => {
    const data = event.data as ArrayBuffer | Uint8Array;
    try {
      seen.push(decodeServerFrame(data instanceof Uint8Array ? data : new Uint8Array(data)));
    } catch {
      // Only server frames reach here, and they all decode; nothing to record otherwise.
    }
  });
  return seen;
}

export const refusedUpdates = (frames: ServerFrame[]) => frames.filter((f) => f.type === "sync-status" && !f.applied).length;
export const appliedUpdates = (frames: ServerFrame[]) => frames.filter((f) => f.type === "sync-status" && f.applied).length;
