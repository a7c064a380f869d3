import type { Identity } from "../auth/tokens.ts";

/** What the REST app's middleware hands its routes: the caller's identity, once authenticated. */
export interface AppEnv {
  Variables: { identity: Identity };
}
