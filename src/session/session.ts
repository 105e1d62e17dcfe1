// The SSO session: a signed cookie (HttpOnly, SameSite=Lax, Secure on https) so a second authorization is silent.
import type { Context } from "hono";
import { readCookie, writeCookie } from "./cookies";
import * as v from "valibot";
import { config } from "../config";
import type { AppEnv } from "../env";
import { signInternal, verifyInternal } from "./mac";

export const SESSION_COOKIE = "eo_session";
const TYP = "eo-session+jwt";

const SessionClaims = v.object({
  sub: v.string(),
  auth_time: v.number(),
  amr: v.array(v.string()),
  sid: v.string(),
  /** The interaction during which this login happened: it satisfies that interaction's prompt=login/max_age. */
  ixn: v.optional(v.string()),
});
export type Session = v.InferOutput<typeof SessionClaims>;

export async function readSession(c: Context<AppEnv>): Promise<Session | null> {
  const token = readCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const payload = await verifyInternal(c.env, TYP, token);
  const parsed = v.safeParse(SessionClaims, payload);
  return parsed.success ? parsed.output : null;
}

export async function startSession(c: Context<AppEnv>, session: Session): Promise<void> {
  const token = await signInternal(c.env, TYP, { ...session }, config.lifetimes.session);
  writeCookie(c, SESSION_COOKIE, token, config.lifetimes.session);
}
