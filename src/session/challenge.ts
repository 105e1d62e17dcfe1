// WebAuthn challenges without a storage write: the page gets a random challenge and a signed token naming it, its
// purpose and what it is bound to (an interaction, or a session on the account page), valid a few minutes. The
// Account object that checks the response records the challenge as used, so each works once (WebAuthn L3 §13.4.3:
// challenges "MUST be randomly generated", and a response to one must not be accepted twice).
import { base64url } from "jose";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { signInternal, verifyInternal } from "./mac";

const TYP = "eo-webauthn-challenge+jwt";

export type ChallengePurpose = "sign_in" | "register";

const ChallengeClaims = v.object({ chl: v.string(), pur: v.string(), bnd: v.string(), exp: v.number() });

export interface IssuedChallenge {
  /** base64url, 32 random bytes: the challenge in the options the page passes to the browser. */
  challenge: string;
  /** The signed token the page posts back with the response. */
  token: string;
}

export async function issueChallenge(env: Env, purpose: ChallengePurpose, binding: string): Promise<IssuedChallenge> {
  const challenge = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const token = await signInternal(
    env,
    TYP,
    { chl: challenge, pur: purpose, bnd: binding },
    config.signIn.challengeSeconds,
  );
  return { challenge, token };
}

/** The challenge of a token issued for this purpose and binding, and when it expires; null otherwise or when expired. */
export async function openChallenge(
  env: Env,
  token: string | undefined,
  purpose: ChallengePurpose,
  binding: string,
): Promise<{ challenge: string; exp: number } | null> {
  const parsed = v.safeParse(ChallengeClaims, token ? await verifyInternal(env, TYP, token) : null);
  if (!parsed.success) return null;
  const { chl, pur, bnd, exp } = parsed.output;
  return pur === purpose && bnd === binding && exp > nowSeconds() ? { challenge: chl, exp } : null;
}
