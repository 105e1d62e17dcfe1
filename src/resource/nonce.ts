// Resource-server DPoP nonces (RFC 9449 §9): stateless, so every isolate of the API gives out and accepts the
// same ones without sharing state. A nonce is an HMAC-SHA256 of the API's identifier (its audience) and the current
// time slot under the API's secret, so two APIs sharing a secret still never accept each other's nonces; the
// current and the previous slot's nonces are accepted, so a nonce stays good for one to two lifetimes.
import { base64url } from "jose";

export interface NonceSettings {
  secret: string;
  lifetimeSeconds: number;
}

/** Imported HMAC keys by secret: an API has one secret, a few at most; the bound keeps odd uses small. */
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 16;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.clear();
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    keys.set(secret, key);
  }
  return key;
}

async function nonceForSlot(settings: NonceSettings, audience: string, slot: number): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(settings.secret),
    new TextEncoder().encode(`edge-oidc/resource dpop-nonce ${slot} ${audience}`),
  );
  return base64url.encode(new Uint8Array(mac));
}

function slotAt(settings: NonceSettings, now: number): number {
  return Math.floor(now / settings.lifetimeSeconds);
}

/** The nonce to give out now (§9: in the DPoP-Nonce header). */
export function currentNonce(settings: NonceSettings, audience: string, now: number): Promise<string> {
  return nonceForSlot(settings, audience, slotAt(settings, now));
}

/** §9: whether a proof's nonce is one this API gave out recently (this slot's or the previous one's). */
export async function nonceAccepted(
  settings: NonceSettings,
  audience: string,
  now: number,
  nonce: string | undefined,
): Promise<boolean> {
  if (nonce === undefined) return false;
  const slot = slotAt(settings, now);
  return (
    nonce === (await nonceForSlot(settings, audience, slot)) ||
    nonce === (await nonceForSlot(settings, audience, slot - 1))
  );
}
