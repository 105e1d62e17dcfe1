// Reading the access token from a request's Authorization header: RFC 6750 §2.1 (Bearer, the one method
// resource servers MUST support) and RFC 9449 §7.1 (DPoP, the same header with another scheme).
// Form bodies (§2.2) and query strings (§2.3, "SHOULD NOT be used") are deliberately not read.
import { AccessTokenError, type AuthScheme } from "./errors";

/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Far above any token we issue; bounds the work a junk header can cause. */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The token in an `Authorization: Bearer <token>` header. A request without one (no header, or another
 * scheme such as Basic) is ERR_TOKEN_MISSING: RFC 6750 §3.1 answers it with a bare challenge.
 */
export function bearerToken(authorization: string | null | undefined): string {
  const token = schemeToken(authorization ?? "", "bearer");
  if (token === undefined) throw missing();
  return token;
}

export interface Credentials {
  scheme: AuthScheme;
  token: string;
}

/**
 * The scheme and token of an `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>`
 * (RFC 9449 §7.1) header; anything else is ERR_TOKEN_MISSING.
 */
export function credentials(authorization: string | null | undefined): Credentials {
  const header = authorization ?? "";
  const bearer = schemeToken(header, "bearer");
  if (bearer !== undefined) return { scheme: "Bearer", token: bearer };
  const dpop = schemeToken(header, "dpop");
  if (dpop !== undefined) return { scheme: "DPoP", token: dpop };
  throw missing();
}

/** The token after `scheme` (lower case), or undefined when the header uses another scheme. */
function schemeToken(header: string, scheme: string): string | undefined {
  // RFC 7235 §2.1: the auth-scheme is case-insensitive; RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
  // (Plain string work rather than a regular expression: this runs on every request, over the whole token.)
  const length = scheme.length;
  if (header.length < length || header.slice(0, length).toLowerCase() !== scheme) return undefined;
  let start = length;
  while (header.charCodeAt(start) === 0x20) start++;
  // "Bearerxyz" is another scheme; a header of just "Bearer" (the scheme without a token) was a try at bearer
  // authentication, so it is malformed rather than missing.
  if (start === length && header.length > length) return undefined;
  // The token's syntax is checked by verifyAccessToken (ERR_TOKEN_MALFORMED), which every caller goes through.
  return header.slice(start).trim();
}

function missing(): AccessTokenError {
  return new AccessTokenError("ERR_TOKEN_MISSING", "no access token");
}

export function isB64Token(token: string): boolean {
  return token.length > 0 && token.length <= MAX_TOKEN_LENGTH && B64TOKEN.test(token);
}
