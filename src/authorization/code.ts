// Authorization codes: `<grant-id>.<sealed>`, where the sealed part is the grant itself (who, which client,
// scope, nonce, session, redirect_uri, PKCE challenge, expiry) encrypted and authenticated with AES-256-GCM
// under a key derived from SESSION_SECRET, with the grant id as associated data. /authorize therefore writes
// nothing: the Grant object is created when the code is first redeemed, and a second redemption finds it
// (RFC 6749 §4.1.2 single use). The code travels through the browser, so nothing in it is readable there.
import { base64url } from "jose";
import * as v from "valibot";
import type { Env } from "../env";
import { SealedCode } from "../durable/grant-state";
import { derivedKey } from "../lib/crypto";
import { objects } from "../storage";

const PURPOSE = "edge-oidc authorization code v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

function codeKey(env: Env): Promise<CryptoKey> {
  return derivedKey("SESSION_SECRET", env.SESSION_SECRET, PURPOSE, { name: "AES-GCM", length: 256 }, [
    "encrypt",
    "decrypt",
  ]);
}

/** A new code for a new grant. */
export async function sealCode(env: Env, code: SealedCode): Promise<string> {
  const id = objects.newGrantId(env).toString();
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const plaintext = encoder.encode(JSON.stringify(code));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(id) },
    await codeKey(env),
    plaintext,
  );
  const bytes = new Uint8Array(IV_BYTES + sealed.byteLength);
  bytes.set(iv);
  bytes.set(new Uint8Array(sealed), IV_BYTES);
  return `${id}.${base64url.encode(bytes)}`;
}

interface OpenedCode {
  grantId: DurableObjectId;
  code: SealedCode;
}

/** The code's grant, or null when the value is not a code we sealed (forged, altered, or of another secret). */
export async function openCode(env: Env, value: string): Promise<OpenedCode | null> {
  const match = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{40,12000})$/.exec(value);
  const grantId = match?.[1] ? objects.grantIdFromHex(env, match[1]) : null;
  if (!match?.[1] || !match[2] || !grantId) return null;
  try {
    const bytes = base64url.decode(match[2]);
    // One spelling per code: base64url decoders ignore a last character's unused bits, and a second spelling
    // of a stolen code must not look like another code (the Grant object treats any second redemption as reuse).
    if (base64url.encode(bytes) !== match[2]) return null;
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: encoder.encode(match[1]) },
      await codeKey(env),
      bytes.slice(IV_BYTES),
    );
    const parsed = v.safeParse(SealedCode, JSON.parse(new TextDecoder().decode(plaintext)));
    return parsed.success ? { grantId, code: parsed.output } : null;
  } catch {
    return null;
  }
}
