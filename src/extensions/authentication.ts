import type { Extension, onAuthenticatePayload } from "@hocuspocus/server";
import { CloseCode, CloseReason, Refusal } from "../close-codes.ts";
import type { ConnectionContext } from "../context.ts";
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
  };
}
