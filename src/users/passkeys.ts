// Passkeys across users: the relying party we are (WebAuthn L3 §5.1.2: the RP ID is the issuer's host, the one
// origin our pages run on is the issuer's), and the map from a credential id to the one user who holds it (KV
// USERS `passkey:<id>`), so a discoverable passkey finds its user in one lookup without a username. The credential
// records themselves live in the user's Account object (src/durable/factors.ts).
import { base64url } from "jose";
import type { Env } from "../env";
import { nowSeconds } from "../clock";
import { derivedKey } from "../lib/crypto";
import { systemName } from "../lib/user-agent";
import { audit } from "../lib/audit";
import { parseRegistrationResponse } from "../lib/webauthn";
import { openChallenge } from "../session/challenge";
import type { Session } from "../session/session";
import { objects } from "../storage";
import { kv, storableId } from "../storage";

export interface RelyingParty {
  rpId: string;
  origin: string;
}

export function relyingParty(env: Env): RelyingParty {
  const issuer = new URL(env.ISSUER);
  return { rpId: issuer.hostname, origin: issuer.origin };
}

/** The sub of the user holding this credential, or null. */
export async function passkeyOwner(env: Env, credentialId: string): Promise<string | null> {
  return storableId(credentialId) ? env.USERS.get(kv.passkey(credentialId)) : null;
}

/**
 * Whether this credential id may be registered to this user: no one else holds it (WebAuthn L3 §7.1: "If the
 * credentialId is already registered to any user, the Relying Party SHOULD fail this registration ceremony").
 */
async function passkeyAvailable(env: Env, credentialId: string, sub: string): Promise<boolean> {
  const owner = await passkeyOwner(env, credentialId);
  return storableId(credentialId) && (owner === null || owner === sub);
}

/**
 * Points the credential id at its user. KV has no compare-and-set: two registrations of one id racing within KV's
 * propagation (~60 s) could both pass passkeyAvailable(); the later pointer wins. That is a denial of service to
 * the other holder at worst, never a sign-in: the Account the pointer names must hold the credential's key.
 */
async function claimPasskey(env: Env, credentialId: string, sub: string): Promise<void> {
  await env.USERS.put(kv.passkey(credentialId), sub);
}

/** Forgets the user of these credentials (removed, or the user deleted), where the pointer still names that user. */
export async function releasePasskeys(env: Env, credentialIds: readonly string[], sub: string): Promise<void> {
  await Promise.all(
    credentialIds.map(async (id) => {
      if ((await passkeyOwner(env, id)) === sub) await env.USERS.delete(kv.passkey(id));
    }),
  );
}

/**
 * The WebAuthn user handle of a user: an HMAC of the sub, 32 bytes, so it is stable, needs no storage and carries
 * nothing personal (WebAuthn L3 §14.6.1: "It is RECOMMENDED to let the user handle be 64 random bytes"; §5.4.3:
 * it "MUST NOT contain personally identifying information").
 */
export async function userHandle(env: Env, sub: string): Promise<string> {
  const key = await derivedKey(
    "SESSION_SECRET",
    env.SESSION_SECRET,
    "edge-oidc webauthn user handle v1",
    { name: "HMAC", hash: "SHA-256" },
    ["sign"],
  );
  return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(sub))));
}

/**
 * Registers a new passkey for the signed-in user (the account page, or the offer after a password sign-in): the
 * challenge must be one issued for this session, the credential id no one else's (§7.1), the attestation is checked
 * in the user's Account. Answers whether it was added.
 */
export async function registerPasskey(
  env: Env,
  session: Session,
  input: { response: string | undefined; challengeToken: string | undefined; userAgent: string | undefined },
): Promise<boolean> {
  const response = input.response ? parseRegistrationResponse(input.response) : null;
  const challenge = await openChallenge(env, input.challengeToken, "register", session.sid);
  if (!response || !challenge || !(await passkeyAvailable(env, response.id, session.sub))) return false;
  const added = await objects.account(env, session.sub).addPasskey({
    sid: session.sid,
    response,
    challenge: challenge.challenge,
    challengeExp: challenge.exp,
    ...relyingParty(env),
    name: passkeyName(input.userAgent),
  });
  if (!added.ok) return false;
  await claimPasskey(env, added.id, session.sub);
  audit({ event: "factor.changed", sub: session.sub, factor: "passkey", change: "added", by: "self" });
  return true;
}

/** A first name for a new passkey: the system it was made on and the date (the user can rename it). */
function passkeyName(userAgent: string | undefined): string {
  return `${systemName(userAgent) ?? "Passkey"} ${new Date(nowSeconds() * 1000).toISOString().slice(0, 10)}`;
}
