// CSRF protection for the login and consent forms: a random per-browser cookie, and a form token that is the
// MAC of that cookie and the interaction, so a form posted from another site (or another browser) is refused.
import type { Context } from "hono";
import { readCookie, writeCookie } from "./cookies";
import type { AppEnv } from "../env";
import { requestRefused } from "../errors";
import { randomToken } from "../lib/crypto";
import { macValid, macValue } from "./mac";

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

/** A form posted with another browser's token, or none, is refused (403, on the error page). */
export async function requireCsrf(
  c: Context<AppEnv>,
  interactionId: string,
  presented: string | undefined,
): Promise<void> {
  const browserSecret = readCookie(c, CSRF_COOKIE);
  const valid = browserSecret && presented && (await macValid(c.env, `${browserSecret}.${interactionId}`, presented));
  if (!valid) throw requestRefused(403, "the form has expired; start again from the application");
}
