// WebAuthn challenges without a storage write: the challenge authenticates itself. It is 16 random bytes, its
// expiry, and an HMAC of both with its purpose and what it is bound to (an interaction, or a session on the account
// page), under a key derived from SESSION_SECRET, so a challenge of one ceremony, interaction or session is worth
// nothing in another, and none outlives a few minutes. The Account object that checks the response records the
// challenge as used, so each works once (WebAuthn L3 §13.4.3: challenges "MUST be randomly generated", and a
// response to one must not be accepted twice).
import { base64url } from "jose";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { derivedKey } from "../lib/crypto";

export type ChallengePurpose = "sign_in" | "register";

const NONCE_BYTES = 16;
const EXP_BYTES = 4;
const MAC_BYTES = 16;
const encoder = new TextEncoder();

export interface IssuedChallenge {
  /** base64url, 36 bytes: the challenge in the options the page passes to the browser. */
  challenge: string;
  /** What the page posts back with the response: the challenge itself (it carries its own proof). */
  token: string;
}

function challengeKey(env: Env): Promise<CryptoKey> {
  const hmac = { name: "HMAC", hash: "SHA-256" };
  return derivedKey("SESSION_SECRET", env.SESSION_SECRET, "edge-oidc webauthn challenge v1", hmac, ["sign"]);
}

async function mac(env: Env, body: Uint8Array, purpose: ChallengePurpose, binding: string): Promise<Uint8Array> {
  const context = encoder.encode(`${purpose}\u0000${binding}\u0000${base64url.encode(body)}`);
  const full = await crypto.subtle.sign("HMAC", await challengeKey(env), context);
  return new Uint8Array(full, 0, MAC_BYTES);
}

export async function issueChallenge(env: Env, purpose: ChallengePurpose, binding: string): Promise<IssuedChallenge> {
  const body = new Uint8Array(NONCE_BYTES + EXP_BYTES);
  crypto.getRandomValues(body.subarray(0, NONCE_BYTES));
  new DataView(body.buffer).setUint32(NONCE_BYTES, nowSeconds() + config.signIn.challengeSeconds);
  const challenge = base64url.encode(new Uint8Array([...body, ...(await mac(env, body, purpose, binding))]));
  return { challenge, token: challenge };
}

/** The challenge, if issued by us for this purpose and binding and not expired, and when it expires; else null. */
export async function openChallenge(
  env: Env,
  token: string | undefined,
  purpose: ChallengePurpose,
  binding: string,
): Promise<{ challenge: string; exp: number } | null> {
  if (!token || token.length > 64) return null;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(token);
  } catch {
    return null;
  }
  if (bytes.length !== NONCE_BYTES + EXP_BYTES + MAC_BYTES) return null;
  const body = bytes.slice(0, NONCE_BYTES + EXP_BYTES);
  const exp = new DataView(body.buffer).getUint32(NONCE_BYTES);
  const expected = await mac(env, body, purpose, binding);
  const presented = bytes.subarray(NONCE_BYTES + EXP_BYTES);
  // Constant time over the tag's bytes.
  let difference = 0;
  for (let i = 0; i < MAC_BYTES; i++) difference |= (expected[i] ?? 0) ^ (presented[i] ?? 0);
  return difference === 0 && exp > nowSeconds() ? { challenge: token, exp } : null;
}
