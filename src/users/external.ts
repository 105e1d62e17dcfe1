// The external authentication backend, as an API gateway has it: an HTTPS "authentication URL" that
// the provider calls with the user's credentials (HTTP Basic); a 2xx JSON answer gives the subject and claims.
// The claims are kept in the user store (source "external", no password) so that userinfo can answer.
import * as v from "valibot";
import type { Env } from "../env";
import { isLoopback } from "../lib/urls";
import { findUserBySub, saveUser, type User } from "./store";

const TIMEOUT_MS = 5_000;

const AuthAnswer = v.looseObject({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
});

class AuthenticationBackendError extends Error {
  override name = "AuthenticationBackendError";
}

/** https only, except on loopback (local development and tests). */
function authenticationUrl(env: Env): URL {
  const raw = env.AUTH_URL;
  if (!raw) throw new AuthenticationBackendError("AUTH_URL is not configured");
  const url = new URL(raw);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    throw new AuthenticationBackendError("AUTH_URL must be https");
  }
  return url;
}

/** The user when the backend accepts the credentials, null when it refuses them (401/403). */
export async function authenticateExternally(env: Env, username: string, password: string): Promise<User | null> {
  // RFC 7617 §2: "a user-id containing a colon character is invalid" (and control characters are refused too).
  if (/[:\p{Cc}]/u.test(username)) return null;
  const basic = btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)));
  const res = await fetch(authenticationUrl(env), {
    headers: { authorization: `Basic ${basic}`, accept: "application/json" },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status === 401 || res.status === 403) return null;
  // Anything else unexpected is a backend failure, never a successful login.
  if (!res.ok) throw new AuthenticationBackendError(`authentication URL answered ${res.status}`);
  const parsed = v.safeParse(AuthAnswer, await res.json().catch(() => null));
  if (!parsed.success) throw new AuthenticationBackendError("authentication URL answered without a sub");
  const { sub, ...claims } = parsed.output;
  const known = await findUserBySub(env, sub, { fresh: true });
  // KV allows about one write per second per key: write only when something changed.
  const unchanged =
    known?.source === "external" &&
    known.username === username &&
    JSON.stringify(known.claims) === JSON.stringify(claims);
  return unchanged ? known : saveUser(env, { v: 1, sub, username, source: "external", claims });
}
