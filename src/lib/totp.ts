// Time-based one-time passwords for an authenticator-app second factor: TOTP (RFC 6238) over HOTP (RFC 4226) with
// HMAC-SHA-1, 6 digits, a 30-second step from T0 = 0, the parameters every authenticator app supports. Pure
// functions of (secret, code, time, last used step): the caller keeps the secret sealed (lib/secret-box.ts) and
// stores the accepted step atomically, and throttles guesses (RFC 4226 §7.3).
import { base32Encode } from "./base32";

const DIGITS = 6;
/** RFC 6238 §4.1: X, the time step in seconds (30 s is the recommended default, §5.2), and T0 = 0 (the epoch). */
const STEP_SECONDS = 30;
const T0 = 0;
/** RFC 6238 §5.2: "We RECOMMEND that at most one time step is allowed as the network delay" (either side). */
const WINDOW = 1;

/**
 * A new shared secret. RFC 4226 §4 R6: "The length of the shared secret MUST be at least 128 bits. This document
 * RECOMMENDs a shared secret length of 160 bits." §7.5: randomly generated from a secure random source.
 */
export function newTotpSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(20));
}

/** RFC 6238 §4.2: T = (Current Unix time - T0) / X, rounded down. */
export function timeStep(nowSeconds: number): number {
  if (!Number.isFinite(nowSeconds) || nowSeconds < T0) throw new RangeError("time out of range");
  return Math.floor((nowSeconds - T0) / STEP_SECONDS);
}

function hmacKey(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

/** HOTP(K, C) = Truncate(HMAC-SHA-1(K, C)) (RFC 4226 §5.3) as a zero-padded 6-digit string. */
async function hotp(key: CryptoKey, counter: number): Promise<string> {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError("counter out of range");
  // RFC 4226 §5.1: C is an 8-byte counter value, high-order byte first. RFC 6238 §4.2: the implementation "MUST
  // support a time value T larger than a 32-bit integer when it is beyond the year 2038".
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const hs = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  // RFC 4226 §5.3 dynamic truncation: the low 4 bits of the last byte pick the offset; the 31-bit value there
  // (the top bit masked "to avoid confusion about signed vs. unsigned modulo computations") is taken mod 10^Digit.
  const offset = (hs[19] ?? 0) & 0xf;
  const binary = new DataView(hs.buffer).getUint32(offset) & 0x7fffffff;
  // Left-padded with zeros to Digit digits, as the reference code does (RFC 4226 Appendix C, RFC 6238 Appendix A).
  return String(binary % 10 ** DIGITS).padStart(DIGITS, "0");
}

/** The TOTP code for one time step: TOTP = HOTP(K, T) (RFC 6238 §4.2). */
export async function totpCode(secret: Uint8Array, step: number): Promise<string> {
  return hotp(await hmacKey(secret), step);
}

type TotpMatch = { ok: true; step: number } | { ok: false; reason: "malformed" | "wrong" | "replayed" };

const encoder = new TextEncoder();

/**
 * Checks a code typed by the user at time nowSeconds. Accepted: the code of the current step or of one step either
 * side (RFC 6238 §5.2), and only for a step after lastUsedStep, the step last accepted for this secret (undefined if
 * none). On success, the caller stores the returned step as the new lastUsedStep in the same atomic step as it
 * accepts the sign-in: RFC 6238 §5.2, "the verifier MUST NOT accept the second attempt of the same OTP after the
 * successful validation has been issued for the first OTP", and an older step is refused too, so a code seen by
 * someone else is worthless once its owner has signed in. Whitespace is ignored ("123 456" as apps show it); anything
 * other than exactly 6 ASCII digits is "malformed".
 */
export async function matchTotp(
  secret: Uint8Array,
  code: string,
  nowSeconds: number,
  lastUsedStep: number | undefined,
): Promise<TotpMatch> {
  const presented = code.replace(/\s+/g, "");
  if (!/^[0-9]{6}$/.test(presented)) return { ok: false, reason: "malformed" };
  const key = await hmacKey(secret);
  const current = timeStep(nowSeconds);
  const steps: number[] = [];
  for (let step = Math.max(0, current - WINDOW); step <= current + WINDOW; step++) steps.push(step);
  const expected = await Promise.all(steps.map((step) => hotp(key, step)));
  const presentedBytes = encoder.encode(presented);
  // Every candidate is compared, each in constant time: a short-circuiting string comparison would tell by its timing
  // how many leading digits are right.
  const matching = steps.filter((_step, i) =>
    crypto.subtle.timingSafeEqual(presentedBytes, encoder.encode(expected[i] ?? "")),
  );
  // The earliest usable step: accepting a later one would refuse the next, legitimate, code of an earlier step.
  const usable = matching.find((step) => lastUsedStep === undefined || step > lastUsedStep);
  if (usable !== undefined) return { ok: true, step: usable };
  return { ok: false, reason: matching.length > 0 ? "replayed" : "wrong" };
}

/** RFC 3986 §2.3: only unreserved characters stay as they are (encodeURIComponent leaves !'()* alone). */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface OtpauthInput {
  /** Who the code is for, shown by the app: the provider's name. */
  issuer: string;
  /** Whose it is, shown under the issuer: the username or e-mail address. */
  account: string;
  secret: Uint8Array;
}

/**
 * The Key Uri Format of authenticator apps (originally Google Authenticator's), shown as a QR code:
 * otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30. The label's parts and
 * the issuer parameter are percent-encoded UTF-8 (RFC 3986; a space is %20, never "+"), and the secret is base32
 * without padding. The format says neither the issuer nor the account "may themselves contain a colon" (the label's
 * separator), so one that does is refused, as is an empty one.
 */
export function otpauthUri({ issuer, account, secret }: OtpauthInput): string {
  for (const [name, value] of [
    ["issuer", issuer],
    ["account", account],
  ] as const) {
    if (value === "" || value.includes(":")) throw new RangeError(`otpauth ${name} must be non-empty, without ":"`);
  }
  const label = `${percentEncode(issuer)}:${percentEncode(account)}`;
  const query = [
    `secret=${base32Encode(secret)}`,
    `issuer=${percentEncode(issuer)}`,
    "algorithm=SHA1",
    `digits=${DIGITS}`,
    `period=${STEP_SECONDS}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}
