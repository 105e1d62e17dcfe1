// One-time recovery codes, the way back in when the authenticator app is lost. Each is 50 random bits from an
// alphabet without look-alikes, shown once as "xxxxx-xxxxx" and stored only as a hash. The codes are random and
// high-entropy, so a fast hash (SHA-256) is enough, as for client secrets (src/clients/secrets.ts): a slow one would
// slow down no guesser. The caller spends a code atomically and throttles attempts.
import { sha256Base64url } from "./crypto";

/**
 * Crockford's base32 alphabet in lower case: digits and letters without i, l, o and u, so nothing read off a sheet
 * of paper can be mistaken for another symbol. 32 symbols: 5 bits each, 10 symbols = 50 bits per code.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const LENGTH = 10;
const NORMALIZED = /^[0-9a-hjkmnp-tv-z]{10}$/;

/** Count new codes, each as "xxxxx-xxxxx". */
export function newRecoveryCodes(count = 10): string[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError("count must be a positive integer");
  return Array.from({ length: count }, () => {
    // 256 is a multiple of 32, so the low 5 bits of each random byte pick a symbol without bias.
    const symbols = Array.from(crypto.getRandomValues(new Uint8Array(LENGTH)), (byte) => ALPHABET.charAt(byte & 31));
    return `${symbols.slice(0, 5).join("")}-${symbols.slice(5).join("")}`;
  });
}

/**
 * A code as typed back into its stored form (10 lower-case symbols), or null if it cannot be one. Case, hyphens and
 * whitespace are ignored, and the letters Crockford's decoding reads as digits are taken as those digits (o as 0; i
 * and l as 1), since the alphabet has none of them.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/o/g, "0")
    .replace(/[il]/g, "1");
  return NORMALIZED.test(code) ? code : null;
}

/** The stored form: SHA-256, base64url. Only a normalized code is accepted, so that no display form is ever hashed. */
export async function hashRecoveryCode(normalized: string): Promise<string> {
  if (!NORMALIZED.test(normalized)) throw new TypeError("hashRecoveryCode takes a normalized recovery code");
  return sha256Base64url(normalized);
}
