// Reading the bearer token from a request (RFC 6750 §2.1, the one method resource servers MUST support).
// Form bodies (§2.2) and query strings (§2.3, "SHOULD NOT be used") are deliberately not read.
import { AccessTokenError } from "./errors";

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Far above any token we issue; bounds the work a junk header can cause. */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The token in an `Authorization: Bearer <token>` header. A request without one (no header, or another
 * scheme such as Basic) is ERR_TOKEN_MISSING: RFC 6750 §3.1 answers it with a bare challenge.
 */
export function bearerToken(authorization: string | null | undefined): string {
  // RFC 7235 §2.1: the auth-scheme is case-insensitive; RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
  // (Plain string work rather than a regular expression: this runs on every request, over the whole token.)
  const header = authorization ?? "";
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== "bearer") throw missing();
  let start = 6;
  while (header.charCodeAt(start) === 0x20) start++;
  // "Bearerxyz" is another scheme; a header of just "Bearer" (the scheme without a token) was a try at bearer
  // authentication, so it is malformed rather than missing.
  if (start === 6 && header.length > 6) throw missing();
  // The token's syntax is checked by verifyAccessToken (ERR_TOKEN_MALFORMED), which every caller goes through.
  return header.slice(start).trim();
}

function missing(): AccessTokenError {
  return new AccessTokenError("ERR_TOKEN_MISSING", "no access token");
}

export function isB64Token(token: string): boolean {
  return token.length > 0 && token.length <= MAX_TOKEN_LENGTH && B64TOKEN.test(token);
}
