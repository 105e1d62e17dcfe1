// Base32 (RFC 4648 §6) for shared TOTP secrets: authenticator apps take the key as base32 in the otpauth URI and
// people type it from the screen when a QR code cannot be scanned, so decoding forgives case, spaces and padding.

/** RFC 4648 §6, Table 3: the base32 alphabet. */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const VALUES = new Map<string, number>(Array.from(ALPHABET, (c, i) => [c, i]));

/**
 * RFC 4648 §6 without the trailing "=" padding (uppercase): RFC 4648 §3.2 lets a specification omit it, and the Key
 * Uri Format of authenticator apps asks for the secret unpadded.
 */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 4 + 8 bits are pending at any time
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >> bits) & 31);
    }
  }
  // RFC 4648 §6: a final quantum of fewer than 40 bits is padded with zero bits to a whole 5-bit group.
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/**
 * The bytes of a base32 string, or null if it is not one. Case is ignored and so is whitespace anywhere (a key typed
 * in groups); "=" is accepted only as trailing padding. Rejected: characters outside the alphabet (RFC 4648 §3.3),
 * a length no encoding produces (1, 3 or 6 characters in the last 8-character quantum), and non-zero bits after the
 * last whole byte (RFC 4648 §3.5: such an encoding is not canonical).
 */
export function base32Decode(input: string): Uint8Array | null {
  const text = input.replace(/\s+/g, "").toUpperCase().replace(/=+$/, "");
  // RFC 4648 §6: the last quantum holds 2, 4, 5 or 7 characters (8, 16, 24, 32 bits) before any padding.
  if (![0, 2, 4, 5, 7].includes(text.length % 8)) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = VALUES.get(char);
    if (value === undefined) return null;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
