// A password login, shared by the login page and the password grant: throttled per username (the Limiter
// Durable Object), so failed attempts from either count together.
import type { Env } from "../env";
import { checkCredentials, type User } from "./store";

export type LoginResult = { ok: true; user: User } | { ok: false; throttled: boolean };

export async function passwordLogin(env: Env, username: string, password: string): Promise<LoginResult> {
  const limiter = env.LIMITER.get(env.LIMITER.idFromName(`login:${username.toLowerCase()}`));
  if ((await limiter.retryAfter()) > 0) return { ok: false, throttled: true };
  const user = await checkCredentials(env, username, password);
  if (!user) {
    await limiter.recordFailure();
    return { ok: false, throttled: false };
  }
  await limiter.reset();
  return { ok: true, user };
}
