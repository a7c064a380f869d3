import { createHash } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";

/** Why a token was refused: distinct, stable strings a client can act on. */
export const TokenError = {
  Missing: "missing-token",
  Malformed: "malformed-token",
  BadSignature: "invalid-signature",
  Expired: "token-expired",
  InvalidClaims: "invalid-claims",
} as const;
export type TokenErrorReason = (typeof TokenError)[keyof typeof TokenError];

export class TokenRejected extends Error {
  constructor(readonly reason: TokenErrorReason) {
    super(reason);
    this.name = "TokenRejected";
  }
}

export interface Identity {
  /** The user id (UUID), the token's `sub`. */
  userId: string;
  name: string;
}

const claimsSchema = z.object({
  sub: z.uuid(),
  // Stored as the user's name: PostgreSQL text cannot hold NUL.
  name: z
    .string()
    .min(1)
    .max(255)
    .refine((s) => !s.includes("\0")),
});

export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;

/** HS256 access tokens: `sub` = user id, `name`, `exp`. Minted by the main application (or dev-token). */
export class Tokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(identity: Identity, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS): Promise<string> {
    return new SignJWT({ name: identity.name })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(identity.userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  /** The token's identity; throws TokenRejected naming why it was refused. */
  async verify(token: string | null | undefined): Promise<Identity> {
    if (!token) throw new TokenRejected(TokenError.Missing);
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new TokenRejected(TokenError.Malformed);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] }));
    } catch (error) {
      throw new TokenRejected(reasonFor(error));
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenRejected(TokenError.InvalidClaims);
    // Ids are compared as text everywhere; PostgreSQL and the REST paths use lower case.
    return { userId: claims.data.sub.toLowerCase(), name: claims.data.name };
  }
}

function reasonFor(error: unknown): TokenErrorReason {
  if (error instanceof joseErrors.JWTExpired) return TokenError.Expired;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return TokenError.BadSignature;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return TokenError.InvalidClaims;
  return TokenError.Malformed;
}

/**
 * The development user id for a username: a name-based UUID (version 5 layout over SHA-256), so the
 * same username gets the same id on every start and every instance.
 */
export function devUserId(username: string): string {
  const hash = createHash("sha256").update(`liveshare-dev-user:${username}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
