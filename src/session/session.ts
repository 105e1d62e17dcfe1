// The SSO session: a signed cookie (HttpOnly, SameSite=Lax, Secure on https) naming a server-side session in the
// user's Account (src/durable/account.ts), so a second authorization is silent and the session can be ended on the
// server. The cookie's signed claims (sub, auth_time, amr, sid) need no round trip to read; whether the session
// is still live is the Account's word.
import type { Context } from "hono";
import { clearCookie, readCookie, writeCookie } from "./cookies";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { ConsentQuery, StartOutcome } from "../durable/account";
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

/**
 * Records a password-only session in the user's Account, then sets the cookie. "second_factor": the user turned the
 * authenticator app on, so a password alone starts nothing (the caller asks for the second factor);
 * "refused": the user was deleted, or the password checked is no longer the current one.
 */
export async function startSession(
  c: Context<AppEnv>,
  session: Session,
  credential: string | undefined,
  consentFor: ConsentQuery,
): Promise<StartOutcome> {
  const exp = session.auth_time + config.lifetimes.session;
  const record = {
    v: 1 as const,
    authTime: session.auth_time,
    amr: session.amr,
    exp,
    startedAt: session.auth_time,
    device: deviceOf(c),
  };
  const outcome = await objects
    .account(c.env, session.sub)
    .startSession(session.sid, record, credential, { secondFactor: true, consentFor });
  if (outcome.status === "started") await writeSessionCookie(c, session);
  return outcome;
}

/** Sets the cookie of a session the Account has just started or stepped up; it lives until the session's end. */
export async function writeSessionCookie(c: Context<AppEnv>, session: Session, exp?: number): Promise<void> {
  const lifetime = (exp ?? session.auth_time + config.lifetimes.session) - nowSeconds();
  const token = await signInternal(c.env, TYP, { ...session }, lifetime);
  writeCookie(c, SESSION_COOKIE, token, lifetime);
}

/** The end of a session that starts now. */
export function sessionExpiry(): number {
  return nowSeconds() + config.lifetimes.session;
}

/** The browser a session began in, for the account page: its User-Agent, bounded. */
export function deviceOf(c: Context<AppEnv>): string | undefined {
  return c.req.header("user-agent")?.slice(0, 200);
}

/**
 * Signs the browser out: the Account ends the session (and queues the back-channel logouts of its clients), and
 * the cookie goes. False when the session had already ended (signed out elsewhere, or expired).
 */
export async function endSession(c: Context<AppEnv>, session: Session): Promise<boolean> {
  const ended = await objects.account(c.env, session.sub).endSession(session.sid, session.sub);
  clearCookie(c, SESSION_COOKIE);
  return ended;
}

/** Forgets a session cookie that names no live session. */
export function dropSessionCookie(c: Context<AppEnv>): void {
  clearCookie(c, SESSION_COOKIE);
}
