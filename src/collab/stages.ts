import type { Hocuspocus } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import type { FrameHeader } from "./wire.ts";

/** Hocuspocus's per-socket connection (authentication, document connections, message queues). */
export type ClientConnection = ReturnType<Hocuspocus["handleConnection"]>;

/**
 * A step every `/collab` frame passes, in order, before Hocuspocus: the frame guard, the presence
 * router. `take` returns true when the stage took the frame (dropped it, refused the socket, or
 * handled it itself); later stages and Hocuspocus then never see it. A stage never throws.
 */
export interface FrameStage {
  /** `header` is undefined when the frame does not even start with an address and a type. */
  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket, client: ClientConnection): boolean;
  /** The socket closed (after Hocuspocus was told). */
  closed?(socket: WebSocket): void;
}

/**
 * A step every frame sent on a `/collab` socket passes, in order, before the socket writes it:
 * Hocuspocus has no outgoing hook, so the endpoint replaces each socket's `send` once, reads the
 * frame's header there once for all stages, and hands the frame to the first stage, which passes it
 * on to the next. A stage sees every frame of the socket — a document connection's, and the
 * authentication answers Hocuspocus and the frame guard write to the socket itself — while the
 * socket is open.
 */
export interface OutgoingStage {
  /**
   * This stage at `socket`, asked once when the socket is accepted, with `next`: the stages after it
   * and then the socket. Returns what the stage before it calls for each frame: a function that
   * passes the frame on to `next` (or another in its place, with `output.header(other)`), drops it,
   * or holds it and passes it on later with `output.resume(next, frame)` — or `next` itself when the
   * stage has nothing to do at this socket. What the stage keeps per socket is held by that function,
   * as the per-connection `send` wrappers this replaces held theirs. A stage never throws and never
   * sends.
   */
  attach(socket: WebSocket, next: PassFrame, output: SocketOutput): PassFrame;
}

/**
 * Hands a frame on through a socket's outgoing stages. `header` is undefined for a frame that does not
 * start with an address and a type (never one of Hocuspocus's); it is overwritten by the next frame,
 * so a stage uses it synchronously.
 */
export type PassFrame = (frame: Uint8Array, header: FrameHeader | undefined) => void;

/** One socket's outgoing frames, as its stages see them. */
export interface SocketOutput {
  /** The header of a frame a stage sends in place of another. */
  header(frame: Uint8Array): FrameHeader | undefined;
  /** Passes a frame a stage held on to `next`; dropped if the socket closed meanwhile (as Hocuspocus drops one). */
  resume(next: PassFrame, frame: Uint8Array): void;
}
