// A first factor checked, the second still to come: after a correct password, a user who enrolled a passkey or an
// authenticator app gets no session yet, only this short-lived signed cookie, bound to the one interaction it was
// checked in. The second-factor step reads it and the Account starts the session with both factors.
import type { Context } from "hono";
import * as v from "valibot";
import { config } from "../config";
import type { AppEnv } from "../env";
import { clearCookie, readCookie, writeCookie } from "./cookies";
import { signInternal, verifyInternal } from "./mac";

const COOKIE = "eo_first_factor";
const TYP = "eo-first-factor+jwt";

const FirstFactor = v.object({
  sub: v.string(),
  amr: v.array(v.string()),
  /** The interaction it was checked in: no other may use it. */
  ixn: v.string(),
  /** The salt of the password hash checked (the Account refuses it once the password has changed). */
  credential: v.optional(v.string()),
});
export type FirstFactor = v.InferOutput<typeof FirstFactor>;

export async function holdFirstFactor(c: Context<AppEnv>, factor: FirstFactor): Promise<void> {
  const lifetime = config.signIn.pendingSeconds;
  writeCookie(c, COOKIE, await signInternal(c.env, TYP, { ...factor }, lifetime), lifetime);
}

/** The first factor checked in this interaction, or null. */
export async function heldFirstFactor(c: Context<AppEnv>, interactionId: string): Promise<FirstFactor | null> {
  const token = readCookie(c, COOKIE);
  const parsed = v.safeParse(FirstFactor, token ? await verifyInternal(c.env, TYP, token) : null);
  return parsed.success && parsed.output.ixn === interactionId ? parsed.output : null;
}

export function dropFirstFactor(c: Context<AppEnv>): void {
  clearCookie(c, COOKIE);
}
