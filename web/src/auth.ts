/**
 * Who is signed in. A token comes from development sign-in (`POST /api/dev/token`) or from the
 * embedding application in the URL fragment (`#token=…`), which {@link takeTokenFromFragment} reads on
 * every page and removes from the address bar at once: a fragment is never sent to a server, and
 * after this it is not in the history either.
 */
const STORAGE_KEY = "liveshare.session";

export interface SignedIn {
  token: string;
  userId: string;
  name: string;
  /** Seconds since the epoch, from the token; undefined when it carries none. */
  expiresAt: number | undefined;
}

/** Reads `#token=…`, keeps it, and rewrites the address without it (other fragment parts stay). */
export function takeTokenFromFragment(): void {
  const fragment = location.hash.replace(/^#/, "");
  if (!fragment) return;
  const parts = fragment.split("&");
  const tokenPart = parts.find((p) => p.startsWith("token="));
  if (!tokenPart) return;
  const rest = parts.filter((p) => !p.startsWith("token=")).join("&");
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  const token = decodeURIComponent(tokenPart.slice("token=".length));
  const claims = readClaims(token);
  if (claims) save({ token, ...claims });
}

/** The current sign-in, or undefined when there is none or it has expired. */
export function currentSession(): SignedIn | undefined {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  try {
    const session = JSON.parse(raw) as SignedIn;
    if (session.expiresAt !== undefined && session.expiresAt * 1000 <= Date.now()) return undefined;
    return session;
  } catch {
    return undefined;
  }
}

export function save(session: SignedIn): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function signOut(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** The token's `sub`, `name` and `exp`. Read only for display: the server verifies the token. */
export function readClaims(token: string): Omit<SignedIn, "token"> | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown; name?: unknown; exp?: unknown };
    if (typeof json.sub !== "string") return undefined;
    return {
      userId: json.sub,
      name: typeof json.name === "string" ? json.name : "",
      expiresAt: typeof json.exp === "number" ? json.exp : undefined,
    };
  } catch {
    return undefined;
  }
}
