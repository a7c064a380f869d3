import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { OutgoingStage, PassFrame } from "./stages.ts";

/**
 * Frames sent to one socket in one step of the event loop leave in one write: the socket is corked at
 * the first frame and uncorked on the next tick. Hocuspocus flushes a room's document update and its
 * presence in one step, and on a busy server several steps' worth of frames meet there; each write
 * is a system call whose cost (on loopback, the receiver's side of TCP too) dwarfs framing. The last
 * of the `/collab` endpoint's outgoing stages: it passes every frame on.
 */
export class CoalescedWrites implements OutgoingStage {
  /** Per socket: the bytes it had buffered before the frames of the current step. */
  private readonly backlogs = new WeakMap<object, () => number>();

  attach(ws: WebSocket, next: PassFrame): PassFrame {
    // `ws` keeps its net.Socket private; without one (never, for an upgraded request) frames go out as they are.
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    if (!socket) return next;
    let corked = false;
    let backlogAtCork = 0;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    this.backlogs.set(ws, () => (corked ? backlogAtCork : ws.bufferedAmount));
    return (frame, header) => {
      if (!corked) {
        corked = true;
        backlogAtCork = ws.bufferedAmount;
        socket.cork();
        process.nextTick(uncork);
      }
      next(frame, header);
    };
  }

  /**
   * What a socket has not sent yet, not counting frames of the current step that are only waiting for
   * the uncork (a large update sent just before a presence frame is not congestion).
   */
  backlog(ws: object): number {
    const backlog = this.backlogs.get(ws);
    return backlog ? backlog() : ((ws as { bufferedAmount?: number }).bufferedAmount ?? 0);
  }
}
