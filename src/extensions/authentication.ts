import type { Connection, Extension, beforeHandleMessagePayload, connectedPayload, onAuthenticatePayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import { isConnectionContext, type ConnectionContext } from "../collab/connection-context.ts";
import type { Admission } from "../rooms/admission.ts";
import { yjsMember } from "../rooms/live-rooms.ts";
import type { Logger } from "../logger.ts";

export interface AuthenticationOptions {
  admission: Admission;
  logger: Logger;
}

/**
 * `/collab`'s side of `Admission`: a Yjs client is admitted to a room in `onAuthenticate` (a valid
 * token, a live session, a role on the diagram, a place in the room); viewers join read-only. Every
 * refusal carries a reason the provider reports in `authenticationFailed`.
 */
export function authentication({ admission, logger }: AuthenticationOptions): Extension {
  /** Connections whose role is being looked up again (see `confirm`). */
  const confirming = new WeakMap<Connection, Promise<void>>();

  /**
   * Between `onAuthenticate` and the connection's existence Hocuspocus loads the document, and a
   * permission change made meanwhile found no connection to act on (see `room-control.ts`); the
   * frames the client queued before the authentication answer are handed to the connection the
   * moment it exists. So nothing of a connection is handled until its role is confirmed: at once
   * when no access change was applied since its role was looked up — and from then on every change
   * finds it as a room member; otherwise its access is looked up again and applied (read-only, or
   * closed) first.
   */
  const confirm = (connection: Connection): Promise<void> | undefined => {
    const context = connection.context as unknown;
    if (!isConnectionContext(context) || admission.confirmed(context)) return undefined;
    let pending = confirming.get(connection);
    if (!pending) confirming.set(connection, (pending = recheck(connection, context)));
    return pending;
  };

  const recheck = async (connection: Connection, context: ConnectionContext): Promise<void> => {
    const member = yjsMember(connection);
    const { roomId } = context;
    try {
      const role = await admission.confirm(context);
      if (role === undefined || role === context.role) return;
      logger.info({ roomId, userId: context.user.userId, from: context.role, to: role }, "role changed while connecting");
      context.role = role;
      member.readOnly = role === "viewer";
    } catch (error) {
      if (!(error instanceof Refusal)) {
        // Whatever the client may do is unknown: it does nothing, and reconnects to find out.
        logger.error({ err: error, roomId }, "access check after connecting failed; connection closed");
        return member.close({ code: CloseCode.InternalError, reason: CloseReason.InternalError });
      }
      // The refusal a new connection would get, told as what happened to this one.
      const event =
        error.reason === CloseReason.SessionEnded
          ? { code: CloseCode.Gone, reason: CloseReason.SessionEnded }
          : error.reason === CloseReason.UnknownRoom
            ? { code: CloseCode.Gone, reason: CloseReason.DiagramDeleted }
            : { code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked };
      logger.info({ roomId, userId: context.user.userId, reason: event.reason }, "access lost while connecting");
      member.close(event);
    }
  };

  return {
    extensionName: "authentication",
    priority: 1000,
    async onAuthenticate({ token, documentName, connectionConfig }: onAuthenticatePayload): Promise<ConnectionContext> {
      let context: ConnectionContext;
      try {
        context = await admission.identify(token, documentName);
      } catch (error) {
        if (!(error instanceof Refusal)) {
          logger.error({ err: error, roomId: documentName }, "authentication failed unexpectedly");
          throw new Refusal(CloseCode.InternalError, CloseReason.InternalError, "");
        }
        logger.info({ roomId: documentName, reason: error.reason }, "connection refused");
        // Without a message: Hocuspocus prints every hook error's message to stderr, which would let
        // any client write to the server's stderr at will. The client gets `reason`; pino has the rest.
        throw new Refusal(error.code, error.reason, "");
      }
      connectionConfig.readOnly = context.role === "viewer";
      logger.info({ roomId: documentName, userId: context.user.userId, diagramId: context.diagramId, role: context.role }, "user authenticated");
      // Held until the connection exists (`connected`); a full room refuses with `room-full`.
      admission.reserve(context);
      return context;
    },

    /** A connection whose access may have changed while it was being set up is checked again now. */
    async connected({ connection, context }: connectedPayload): Promise<void> {
      await confirm(connection);
      // A member now, counted by LiveRooms: the place held for it is no longer needed.
      if (isConnectionContext(context)) admission.release(context);
    },

    /** Not a frame of a connection (queued ones included) is handled before its role is confirmed. */
    async beforeHandleMessage({ connection }: beforeHandleMessagePayload): Promise<void> {
      await confirm(connection);
    },
  };
}
