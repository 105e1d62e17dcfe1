// Small Web Crypto helpers shared by codes, tokens, cookies and secrets.
import { base64url } from "jose";

const encoder = new TextEncoder();

/** 256 bits of randomness, base64url: codes, token secrets, CSRF values. */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256(input: string | Uint8Array): Promise<Uint8Array> {
  const data = typeof input === "string" ? encoder.encode(input) : input;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** Hash of a secret for storage: only hashes of codes, tokens and client secrets are kept. */
export async function sha256Base64url(input: string): Promise<string> {
  return base64url.encode(await sha256(input));
}

/** Constant-time comparison of two strings (compared as their SHA-256 digests, so lengths leak nothing). */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(da, db);
}

const derived = new Map<string, { secret: string; key: Promise<CryptoKey> }>();

/**
 * HKDF-derive a key for one purpose from a configured secret, so one secret never serves two uses. Derived once
 * per isolate and purpose (again only if the secret changes): these keys are used on most requests.
 */
export function derivedKey(
  secretName: string,
  secret: string | undefined,
  purpose: string,
  algorithm: Parameters<SubtleCrypto["deriveKey"]>[2],
  usages: string[],
): Promise<CryptoKey> {
  if (!secret) throw new Error(`${secretName} is not configured`);
  const cached = derived.get(purpose);
  if (cached?.secret === secret) return cached.key;
  const key = deriveKey(secret, purpose, algorithm, usages);
  derived.set(purpose, { secret, key });
  return key;
}

/** An uncached derivation, for keys made from a per-token secret. */
export async function deriveKey(
  secret: string,
  purpose: string,
  algorithm: Parameters<SubtleCrypto["deriveKey"]>[2],
  usages: string[],
): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(purpose) },
    base,
    algorithm,
    false,
    usages,
  );
}
