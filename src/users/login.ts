// A password login, shared by the login page and the password grant: throttled per username (the Limiter
// Durable Object), so failed attempts from either count together; checked against the configured backend
// (the KV user store, or the external authentication URL when USER_BACKEND is "url").
import type { Env } from "../env";
import { objects } from "../storage";
import { temporarilyUnavailable } from "../errors";
import { authenticateExternally } from "./external";
import { checkCredentials, type User } from "./store";

export type LoginResult = { ok: true; user: User } | { ok: false; throttled: boolean };

export async function passwordLogin(env: Env, username: string, password: string): Promise<LoginResult> {
  const limiter = objects.loginLimiter(env, username);
  // The attempt counts as a failure until it succeeds, so parallel guesses are throttled too.
  if (!(await limiter.attempt()).allowed) return { ok: false, throttled: true };
  const user = await authenticate(env, username, password);
  if (!user) return { ok: false, throttled: false };
  await limiter.succeeded();
  return { ok: true, user };
}

async function authenticate(env: Env, username: string, password: string): Promise<User | null> {
  if (env.USER_BACKEND !== "url") return checkCredentials(env, username, password);
  try {
    return await authenticateExternally(env, username, password);
  } catch (err) {
    // The backend is down or misbehaving: an outage, never a successful (or failed) login.
    console.error("authentication backend failed", err instanceof Error ? err.message : "unknown");
    throw temporarilyUnavailable("the authentication service is unavailable");
  }
}
