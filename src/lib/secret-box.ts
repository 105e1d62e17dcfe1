// Secrets of a user that must stay recoverable (a TOTP shared secret: HMAC needs the key itself, not a hash of it),
// encrypted at rest with AES-256-GCM under a key derived by HKDF-SHA-256 (RFC 5869) from KEY_ENCRYPTION_SECRET, one
// key per purpose. The stored form is "v1." + base64url(IV ‖ ciphertext ‖ tag): the prefix names the format, so a
// later one can be told apart and old values still opened. (src/keys/at-rest.ts does the same job for signing keys
// with a compact JWE, under one key for all its purposes; lib/ cannot import keys/, and this needs bytes, a key per
// purpose and the purpose checked on opening, so the two share only lib/crypto.ts's derivation.)
import { base64url } from "jose";
import type { Env } from "../env";
import { derivedKey } from "./crypto";

const VERSION = "v1.";
/** NIST SP 800-38D §8.2: a 96-bit IV, drawn at random for each encryption (§8.2.2). */
const IV_BYTES = 12;
/** The 128-bit authentication tag Web Crypto appends to the ciphertext by default. */
const TAG_BYTES = 16;
const PURPOSE = /^[A-Za-z0-9._-]+$/;

const encoder = new TextEncoder();

/**
 * The key for one purpose: RFC 5869 HKDF-SHA-256 with info "edge-oidc/secret-box/<purpose>" (§3.2: info binds the
 * key to its use, so no two purposes ever share a key), derived and imported once per isolate and purpose.
 */
function boxKey(env: Pick<Env, "KEY_ENCRYPTION_SECRET">, purpose: string): Promise<CryptoKey> {
  if (!PURPOSE.test(purpose)) throw new RangeError("secret-box purpose must be letters, digits, '.', '_' or '-'");
  return derivedKey(
    "KEY_ENCRYPTION_SECRET",
    env.KEY_ENCRYPTION_SECRET,
    `edge-oidc/secret-box/${purpose}`,
    { name: "AES-GCM", length: 256 },
    ["encrypt", "decrypt"],
  );
}

/** Seals plaintext for one purpose (e.g. "totp"); the purpose is also the additional authenticated data. */
export async function sealSecret(
  env: Pick<Env, "KEY_ENCRYPTION_SECRET">,
  purpose: string,
  plaintext: Uint8Array,
): Promise<string> {
  const key = await boxKey(env, purpose);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(purpose) }, key, plaintext),
  );
  const sealed = new Uint8Array(IV_BYTES + ciphertext.length);
  sealed.set(iv);
  sealed.set(ciphertext, IV_BYTES);
  return VERSION + base64url.encode(sealed);
}

/**
 * The plaintext of a value sealed for this purpose, or null if it is not one: another format, not base64url, too
 * short, sealed for another purpose or under another secret, or altered (the GCM tag does not verify). A missing
 * KEY_ENCRYPTION_SECRET throws: that is a configuration error, not a bad value.
 */
export async function openSecret(
  env: Pick<Env, "KEY_ENCRYPTION_SECRET">,
  purpose: string,
  sealed: string,
): Promise<Uint8Array | null> {
  const key = await boxKey(env, purpose);
  if (!sealed.startsWith(VERSION)) return null;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(sealed.slice(VERSION.length));
  } catch {
    return null;
  }
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(purpose) },
        key,
        bytes.subarray(IV_BYTES),
      ),
    );
  } catch {
    return null;
  }
}
