/**
 * The access token a client authenticates with: a fixed token, or `getToken()` — called at join, on
 * every reconnect, and shortly before the token in hand expires (so a reconnect never starts with a
 * stale one; if `getToken()` fails then, the kept token is used while it is still valid).
 */
export type TokenSupplier = () => Promise<string> | string;

/** Refresh this long before `exp`: a tenth of the token's lifetime, between 1 s and 60 s. */
function refreshLeadMs(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(1_000, lifetimeMs / 10));
}

export class TokenSource {
  private current: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;

  constructor(
    private readonly fixed: string | undefined,
    private readonly supplier: TokenSupplier | undefined,
  ) {
    if (fixed === undefined && supplier === undefined) throw new TypeError("give token or getToken");
    this.current = fixed;
  }

  /** Whether a refused token can be replaced by asking again. */
  get refreshable(): boolean {
    return this.supplier !== undefined;
  }

  /** The token for an authentication now (a fresh one when there is a supplier). */
  async get(): Promise<string> {
    if (!this.supplier) return this.fixed!;
    try {
      return this.keep(await this.supplier());
    } catch (error) {
      if (this.current !== undefined && !expired(this.current, Date.now())) return this.current;
      throw error;
    }
  }

  /** The token in hand while it is valid (for REST calls beside the connection); else a new one. */
  async latest(): Promise<string> {
    if (this.current !== undefined && !expired(this.current, Date.now())) return this.current;
    return this.get();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
  }

  private keep(token: string): string {
    this.current = token;
    clearTimeout(this.timer);
    const exp = expiryOf(token);
    if (exp !== undefined && !this.destroyed) {
      const now = Date.now();
      const lifetime = exp - now;
      const at = Math.max(0, lifetime - refreshLeadMs(lifetime));
      this.timer = setTimeout(() => void this.get().catch(() => undefined), at);
      // A pending refresh must not keep a Node process alive.
      (this.timer as { unref?: () => void }).unref?.();
    }
    return token;
  }
}

/** A JWT's `exp` in ms, or undefined when the token does not say (it is opaque to the client). */
export function expiryOf(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function expired(token: string, now: number): boolean {
  const exp = expiryOf(token);
  return exp !== undefined && exp <= now;
}
