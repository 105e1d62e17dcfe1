// A password login, shared by the login page and the password grant, checked against the configured backend (the
// KV user store, or the external authentication URL when USER_BACKEND is "url") behind three throttles
// (config.loginThrottle, each a Limiter Durable Object, consistent at every edge location):
// - per source address (CF-Connecting-IP): spraying many usernames from one address is cut off before any
//   password hash is computed or any per-account throttle is created;
// - per username and source: five wrong passwords lock out that address only, not the user everywhere;
// - per username: many failures from many addresses slow down distributed guessing, for a few minutes at most.
// Without a source address (local development, a service binding) the first is skipped and the second counts
// every request as one source.
import { config } from "../config";
import type { Env } from "../env";
import { temporarilyUnavailable } from "../errors";
import { audit } from "../lib/audit";
import { sha256Base64url } from "../lib/crypto";
import { objects, type LimiterKey } from "../storage";
import { authenticateExternally } from "./external";
import { checkCredentials, type User } from "./store";

export type LoginResult = { ok: true; user: User } | { ok: false; throttled: boolean };

export async function passwordLogin(
  env: Env,
  username: string,
  password: string,
  source: string | undefined,
): Promise<LoginResult> {
  const sourceAttempt = source === undefined ? undefined : await attempt(env, { kind: "source", source }, "perSource");
  if (sourceAttempt === null) {
    audit({ event: "login.throttled", usernameHash: undefined, source, throttle: "perSource" });
    return { ok: false, throttled: true };
  }
  const usernameHash = await sha256Base64url(username.toLowerCase());
  const [pair, account] = await Promise.all([
    attempt(env, { kind: "account-source", usernameHash, source: source ?? "local" }, "perAccountAndSource"),
    attempt(env, { kind: "account", usernameHash }, "perAccount"),
  ]);
  if (!pair || !account) {
    audit({ event: "login.throttled", usernameHash, source, throttle: pair ? "perAccount" : "perAccountAndSource" });
    return { ok: false, throttled: true };
  }
  const user = await authenticate(env, username, password);
  if (!user) {
    audit({ event: "login.failed", usernameHash, source });
    return { ok: false, throttled: false };
  }
  audit({ event: "login.succeeded", sub: user.sub, source });
  // Success clears the user's own failures; at the source it takes back only this attempt, so that signing in to
  // one account of one's own does not reset a spraying count.
  await Promise.all([
    pair.limiter.succeeded(),
    account.limiter.succeeded(),
    sourceAttempt ? sourceAttempt.limiter.withdraw(sourceAttempt.attemptId) : undefined,
  ]);
  return { ok: true, user };
}

/** Counts an attempt under a throttle; null when its window is full. */
async function attempt(env: Env, key: LimiterKey, policy: keyof typeof config.loginThrottle) {
  const limiter = objects.loginLimiter(env, key);
  const result = await limiter.attempt(config.loginThrottle[policy]);
  return result.allowed ? { limiter, attemptId: result.attemptId } : null;
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
