import type { Extension, onAuthenticatePayload } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import type { FrameStage } from "../collab/stages.ts";
import { MessageType, type FrameHeader } from "../collab/wire.ts";
import { CloseCode, CloseReason } from "../close-codes.ts";
import type { Logger } from "../logger.ts";

export interface UnauthenticatedLimits {
  /** MAX_UNAUTHENTICATED_PER_ADDRESS: sockets of one remote address not authenticated yet. */
  perAddress: number;
  /** MAX_UNAUTHENTICATED: sockets not authenticated yet, in all. */
  total: number;
  /** UNAUTHENTICATED_BYTES_PER_SOCKET: bytes a socket may send (and the server hold) before authenticating. */
  bytesPerSocket: number;
  /** UNAUTHENTICATED_BYTES_TOTAL: bytes held for all unauthenticated sockets together. */
  bytesTotal: number;
  /** AUTH_TIMEOUT_MS: a socket not authenticated by then is closed (`/collab`; the JSON connection has its own timer). */
  timeoutMs: number;
}

/** What a socket is to this class: something to close, with an identity. */
interface Closable {
  close(code: number, reason: string): void;
}

interface Ticket {
  address: string;
  bytes: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Bounds what sockets that have not authenticated yet may cost — on both WebSocket endpoints
 * together: how many there are (per remote address and in all), how many bytes of theirs are held
 * (Hocuspocus queues a `/collab` document's frames until its authentication, presence holds early
 * awareness, the JSON connection queues messages sent after `Auth`), and, on `/collab`, how long they
 * may take to authenticate. A socket over a count is closed at once with 1013 `too-many-connections`;
 * over a byte bound with 1013 `unauthenticated-buffer-full`; late with 4408 `auth-timeout`.
 *
 * A `/collab` socket counts as authenticated once one of its documents passed every `onAuthenticate`
 * hook (this extension's runs last); from then on Hocuspocus's own per-socket queue bound
 * (`maxUnauthenticatedQueueSize`, set to the same per-socket figure) and idle timeout apply. The
 * address is the TCP peer's: behind a proxy, every client shares the proxy's.
 */
export class UnauthenticatedSockets implements Extension, FrameStage {
  extensionName = "unauthenticated-sockets";
  /** Last of the `onAuthenticate` hooks: only a client every other check admitted counts as authenticated. */
  priority = 1;
  private readonly tickets = new Map<Closable, Ticket>();
  private readonly perAddress = new Map<string, number>();
  /** Hocuspocus's request object of each `/collab` socket: its hooks know the request, not the socket. */
  private readonly sockets = new WeakMap<Request, Closable>();
  private heldBytes = 0;

  constructor(
    private readonly limits: UnauthenticatedLimits,
    private readonly logger: Logger,
  ) {}

  /** Sockets not authenticated yet. */
  get count(): number {
    return this.tickets.size;
  }

  /** Bytes held for sockets not authenticated yet. */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Counts a new socket; false when a cap is reached — the socket is then closed. `onTimeout`, when
   * given, closes it once AUTH_TIMEOUT_MS passes without authentication.
   */
  admit(socket: Closable, address: string, onTimeout?: () => void): boolean {
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.perAddress || this.tickets.size >= this.limits.total) {
      this.logger.warn({ address, fromAddress, total: this.tickets.size }, "too many unauthenticated sockets; socket refused");
      socket.close(CloseCode.TryAgainLater, CloseReason.TooManyConnections);
      return false;
    }
    this.perAddress.set(address, fromAddress + 1);
    const timer = onTimeout ? setTimeout(onTimeout, this.limits.timeoutMs) : undefined;
    timer?.unref();
    this.tickets.set(socket, { address, bytes: 0, timer });
    return true;
  }

  /** Ties Hocuspocus's request object of a `/collab` socket to the socket. */
  track(request: Request, socket: Closable): void {
    this.sockets.set(request, socket);
  }

  /**
   * Counts `bytes` the socket sent before authenticating; false (and the socket closed) when that is
   * over its bound or over the bound of all. True for an authenticated socket.
   */
  hold(socket: Closable, bytes: number): boolean {
    const ticket = this.tickets.get(socket);
    if (!ticket) return true;
    if (ticket.bytes + bytes > this.limits.bytesPerSocket || this.heldBytes + bytes > this.limits.bytesTotal) {
      this.logger.warn({ address: ticket.address, bytes: ticket.bytes + bytes, held: this.heldBytes }, "too much sent before authenticating; socket closed");
      this.release(socket);
      socket.close(CloseCode.TryAgainLater, CloseReason.UnauthenticatedBufferFull);
      return false;
    }
    ticket.bytes += bytes;
    this.heldBytes += bytes;
    return true;
  }

  /** The socket authenticated: it no longer counts, and what it sent before is no longer held here. */
  authenticated(socket: Closable): void {
    this.release(socket);
  }

  /**
   * `/collab` frame stage: the bytes of an unauthenticated socket's frames are held. Auth frames are
   * answered, not held: they do not count.
   */
  take(frame: Uint8Array, header: FrameHeader | undefined, socket: WebSocket): boolean {
    if (header?.type === MessageType.Auth || !this.tickets.has(socket)) return false;
    return !this.hold(socket, frame.byteLength);
  }

  closed(socket: WebSocket): void {
    this.release(socket);
  }

  async onAuthenticate({ request }: onAuthenticatePayload): Promise<void> {
    const socket = this.sockets.get(request);
    if (socket) this.release(socket);
  }

  /** Forgets the socket (authenticated or closed). */
  release(socket: Closable): void {
    const ticket = this.tickets.get(socket);
    if (!ticket) return;
    this.tickets.delete(socket);
    clearTimeout(ticket.timer);
    this.heldBytes -= ticket.bytes;
    const left = (this.perAddress.get(ticket.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(ticket.address, left);
    else this.perAddress.delete(ticket.address);
  }
}
