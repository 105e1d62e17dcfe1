// The SSO session: a signed cookie (HttpOnly, SameSite=Lax, Secure on https) naming a server-side session in the
// user's Account (src/durable/account.ts), so a second authorization is silent and the session can be ended on the
// server. The cookie's signed claims (sub, auth_time, amr, sid) need no round trip to read; whether the session
// is still live is the Account's word.
import type { Context } from "hono";
import { readCookie, writeCookie } from "./cookies";
import * as v from "valibot";
import { config } from "../config";
import type { AppEnv } from "../env";
import { objects } from "../storage";
import { signInternal, verifyInternal } from "./mac";

const SESSION_COOKIE = "eo_session";
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

/** Records the session in the user's Account, then sets the cookie; false when the Account refuses it. */
export async function startSession(
  c: Context<AppEnv>,
  session: Session,
  credential: string | undefined,
): Promise<boolean> {
  const lifetime = config.lifetimes.session;
  const record = { v: 1 as const, authTime: session.auth_time, amr: session.amr, exp: session.auth_time + lifetime };
  if (!(await objects.account(c.env, session.sub).startSession(session.sid, record, credential))) return false;
  const token = await signInternal(c.env, TYP, { ...session }, lifetime);
  writeCookie(c, SESSION_COOKIE, token, lifetime);
  return true;
}

/** Forgets the session in this browser ("Not you?" on the consent page); its record in the Account lapses. */
export function forgetSession(c: Context<AppEnv>): void {
  writeCookie(c, SESSION_COOKIE, "", 0);
}
