// "Not now" to the offer of a passkey after a password sign-in is remembered in this browser for a while, so the
// offer does not come back at every sign-in.
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { readCookie, writeCookie } from "./cookies";

const COOKIE = "eo_passkey_offer";
const DECLINED_SECONDS = 30 * 24 * 3600;

export function passkeyOfferDeclined(c: Context<AppEnv>): boolean {
  return readCookie(c, COOKIE) === "declined";
}

export function declinePasskeyOffer(c: Context<AppEnv>): void {
  writeCookie(c, COOKIE, "declined", DECLINED_SECONDS);
}
