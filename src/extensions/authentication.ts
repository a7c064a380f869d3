import type { Extension, connectedPayload, onAuthenticatePayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import { isConnectionContext, type ConnectionContext } from "../context.ts";
import { yjsMember } from "../rooms/live-rooms.ts";
import type { Tokens } from "../auth/tokens.ts";
import { TokenRejected } from "../auth/tokens.ts";
import type { Access } from "../rooms/access.ts";
import type { UserStore } from "../storage/users.ts";
import type { Logger } from "../logger.ts";

export interface AuthenticationOptions {
  tokens: () => Tokens;
  access: Access;
  users: UserStore;
  logger: Logger;
}

/**
 * Admits a Yjs client to a room: a valid token, a live session, and a role on the diagram. Viewers
 * join read-only. Every refusal carries a reason the provider reports in `authenticationFailed`.
 */
export function authentication({ tokens, access, users, logger }: AuthenticationOptions): Extension {
  return {
    extensionName: "authentication",
    priority: 1000,
    async onAuthenticate({ token, documentName, connectionConfig }: onAuthenticatePayload): Promise<ConnectionContext> {
      try {
        const user = await tokens().verify(token);
        const room = await access.toRoom(documentName, user.userId);
        await users.record(user);
        connectionConfig.readOnly = room.role === "viewer";
        logger.info({ roomId: documentName, userId: user.userId, diagramId: room.diagramId, role: room.role }, "user authenticated");
        return { user, role: room.role, roomId: room.roomId, diagramId: room.diagramId };
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

    /**
     * Between `onAuthenticate` and this hook Hocuspocus loads the document, and a permission change
     * made meanwhile found no connection to act on (see `room-control.ts`). From here on the
     * connection is a room member, so one more look at its access closes that window.
     */
    async connected({ context, connection, documentName }: connectedPayload): Promise<void> {
      if (!isConnectionContext(context)) return;
      const member = yjsMember(connection);
      try {
        const { role } = await access.toRoom(documentName, context.user.userId);
        if (role === context.role) return;
        logger.info({ roomId: documentName, userId: context.user.userId, from: context.role, to: role }, "role changed while connecting");
        context.role = role;
        member.readOnly = role === "viewer";
      } catch (error) {
        if (!(error instanceof Refusal)) {
          logger.error({ err: error, roomId: documentName }, "access check after connecting failed");
          return;
        }
        // The refusal a new connection would get, told as what happened to this one.
        const event =
          error.reason === CloseReason.SessionEnded
            ? { code: CloseCode.Gone, reason: CloseReason.SessionEnded }
            : error.reason === CloseReason.UnknownRoom
              ? { code: CloseCode.Gone, reason: CloseReason.DiagramDeleted }
              : { code: CloseCode.Forbidden, reason: CloseReason.AccessRevoked };
        logger.info({ roomId: documentName, userId: context.user.userId, reason: event.reason }, "access lost while connecting");
        member.close(event);
      }
    },
  };
}
