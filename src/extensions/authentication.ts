import type { Connection, Extension, beforeHandleMessagePayload, connectedPayload, onAuthenticatePayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import { isConnectionContext, type ConnectionContext } from "../context.ts";
import { yjsMember, type LiveRooms } from "../rooms/live-rooms.ts";
import type { Tokens } from "../auth/tokens.ts";
import { TokenRejected } from "../auth/tokens.ts";
import type { Access } from "../rooms/access.ts";
import type { UserStore } from "../storage/users.ts";
import type { Logger } from "../logger.ts";

export interface AuthenticationOptions {
  tokens: () => Tokens;
  access: Access;
  users: UserStore;
  /** Its access epoch tells whether access changed between a client's role look-up and its joining. */
  rooms: LiveRooms;
  logger: Logger;
}

/**
 * Admits a Yjs client to a room: a valid token, a live session, and a role on the diagram. Viewers
 * join read-only. Every refusal carries a reason the provider reports in `authenticationFailed`.
 */
export function authentication({ tokens, access, users, rooms, logger }: AuthenticationOptions): Extension {
  /** Connections whose role is being looked up again (see `confirm`). */
  const confirming = new WeakMap<Connection, Promise<void>>();

  /**
   * Between `onAuthenticate` and the connection's existence Hocuspocus loads the document, and a
   * permission change made meanwhile found no connection to act on (see `room-control.ts`); the
   * frames the client queued before the authentication answer are handed to the connection the
   * moment it exists. So nothing of a connection is handled until its role is confirmed: when no
   * access change was applied since its role was looked up (the access epoch did not move), at
   * once — and from then on every change finds it as a room member; otherwise its access is looked
   * up again and applied (read-only, or closed) first.
   */
  const confirm = (connection: Connection): Promise<void> | undefined => {
    const context = connection.context as unknown;
    if (!isConnectionContext(context) || context.admittedAt === undefined) return undefined;
    if (context.admittedAt === rooms.accessEpoch) {
      context.admittedAt = undefined;
      return undefined;
    }
    let pending = confirming.get(connection);
    if (!pending) confirming.set(connection, (pending = recheck(connection, context)));
    return pending;
  };

  const recheck = async (connection: Connection, context: ConnectionContext): Promise<void> => {
    const member = yjsMember(connection);
    const { roomId } = context;
    try {
      let role: ConnectionContext["role"];
      do {
        context.admittedAt = rooms.accessEpoch;
        ({ role } = await access.toRoom(roomId, context.user.userId));
      } while (context.admittedAt !== rooms.accessEpoch);
      context.admittedAt = undefined;
      if (role === context.role) return;
      logger.info({ roomId, userId: context.user.userId, from: context.role, to: role }, "role changed while connecting");
      context.role = role;
      member.readOnly = role === "viewer";
    } catch (error) {
      context.admittedAt = undefined;
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
      try {
        const user = await tokens().verify(token);
        const admittedAt = rooms.accessEpoch;
        const room = await access.toRoom(documentName, user.userId);
        await users.record(user);
        connectionConfig.readOnly = room.role === "viewer";
        logger.info({ roomId: documentName, userId: user.userId, diagramId: room.diagramId, role: room.role }, "user authenticated");
        return { user, role: room.role, roomId: room.roomId, diagramId: room.diagramId, admittedAt };
      } catch (error) {
        const refusal =
          error instanceof TokenRejected
            ? new Refusal(CloseCode.Unauthorized, error.reason)
            : error instanceof Refusal
              ? error
              : undefined;
        if (!refusal) {
          logger.error({ err: error, roomId: documentName }, "authentication failed unexpectedly");
          throw new Refusal(CloseCode.InternalError, CloseReason.InternalError, "");
        }
        logger.info({ roomId: documentName, reason: refusal.reason }, "connection refused");
        // Without a message: Hocuspocus prints every hook error's message to stderr, which would let
        // any client write to the server's stderr at will. The client gets `reason`; pino has the rest.
        throw new Refusal(refusal.code, refusal.reason, "");
      }
    },

    /** A connection whose access may have changed while it was being set up is checked again now. */
    async connected({ connection }: connectedPayload): Promise<void> {
      await confirm(connection);
    },

    /** Not a frame of a connection (queued ones included) is handled before its role is confirmed. */
    async beforeHandleMessage({ connection }: beforeHandleMessagePayload): Promise<void> {
      await confirm(connection);
    },
  };
}
