// CSRF protection for the login and consent forms: a random per-browser cookie, and a form token that is the
// MAC of that cookie and the interaction, so a form posted from another site (or another browser) is refused.
import type { Context } from "hono";
import { readCookie, writeCookie } from "./cookies";
import type { AppEnv } from "../env";
import { randomToken, timingSafeEqualStrings } from "../lib/crypto";
import { macValue } from "./mac";

const CSRF_COOKIE = "eo_csrf";

/** The form token for this browser and interaction (setting the browser cookie when it has none). */
export async function csrfToken(c: Context<AppEnv>, interactionId: string): Promise<string> {
  let browserSecret = readCookie(c, CSRF_COOKIE);
  if (!browserSecret) {
    browserSecret = randomToken();
    writeCookie(c, CSRF_COOKIE, browserSecret);
  }
  return macValue(c.env, `${browserSecret}.${interactionId}`);
}

export async function csrfValid(c: Context<AppEnv>, interactionId: string, presented: string | undefined): Promise<boolean> {
  const browserSecret = readCookie(c, CSRF_COOKIE);
  if (!browserSecret || !presented) return false;
  return timingSafeEqualStrings(presented, await macValue(c.env, `${browserSecret}.${interactionId}`));
}
