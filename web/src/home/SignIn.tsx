import { useEffect, useState, type FormEvent } from "react";
import { ApiError, api } from "../api.ts";
import { readClaims, save, type SignedIn } from "../auth.ts";

/**
 * Development sign-in: a username is enough (`POST /api/dev/token`). With an `AUTH_SECRET` that
 * route does not exist, and the page says where a token comes from instead.
 */
export function SignIn({ onSignedIn, reason }: { onSignedIn: (session: SignedIn) => void; reason?: string }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const [production, setProduction] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.getElementById("username")?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { token } = await api<{ token: string }>("POST", "/api/dev/token", { username: name.trim() });
      const claims = readClaims(token);
      if (!claims) throw new ApiError(0, "bad_token", "The server answered with a token this page cannot read.");
      const session = { token, ...claims, name: claims.name || name.trim() };
      save(session);
      onSignedIn(session);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setProduction(true);
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (production) {
    return (
      <main className="sign-in">
        <h1>LiveShare</h1>
        <p>This server signs people in through your application. Open LiveShare from there; it passes your sign-in along.</p>
      </main>
    );
  }
  return (
    <main className="sign-in">
      <h1>LiveShare</h1>
      {reason && <p className="notice">{reason}</p>}
      <form onSubmit={submit}>
        <label htmlFor="username">Your name</label>
        <input id="username" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" required maxLength={255} />
        <button type="submit" disabled={busy || !name.trim()}>
          Sign in
        </button>
        <p className="hint">Development mode: anyone can sign in with a name. The same name is always the same person.</p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
