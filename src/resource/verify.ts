// verifyAccessToken: a JWT access token is verified locally (jwt.ts); anything else is an opaque token and
// goes to introspection (introspection.ts); then the required scopes are checked.
import type { AccessTokenClaims } from "./claims";
import { MAX_TOKEN_LENGTH, isB64Token } from "./bearer";
import { AccessTokenError } from "./errors";
import { introspect } from "./introspection";
import { verifyJwt } from "./jwt";
import type { ResolvedOptions, VerifyAccessTokenOptions } from "./options";
import { resolveOptions } from "./options-cache";
import { requireScopes } from "./scope";

/**
 * Verifies an access token for this API. Resolves with its claims, or rejects with an AccessTokenError whose
 * `code` says why and whose `status`/`error` say how to answer (see challenge.ts).
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  const opts = resolveOptions(options);
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw malformed();
  const claims = await byFormat(token, opts);
  requireScopes(claims, opts.scopes);
  return claims;
}

function byFormat(token: string, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  const segments = dots(token) + 1;
  // RFC 7515 §7.1: a compact JWS has three segments (jose checks their base64url and JSON strictly).
  if (segments === 3) return verifyJwt(token, opts);
  // RFC 7516 §7.1: five segments is a JWE; RFC 9068 §4 (2) lets the resource server register a decryption
  // key with the issuer, which this verifier does not do.
  if (segments === 5) {
    return Promise.reject(new AccessTokenError("ERR_TOKEN_MALFORMED", "encrypted access tokens are not accepted"));
  }
  // RFC 6750 §2.1: nothing outside the b64token syntax is a bearer token; it is not worth an introspection call.
  if (!isB64Token(token)) return Promise.reject(malformed());
  return introspect(token, opts);
}

function malformed(): AccessTokenError {
  return new AccessTokenError("ERR_TOKEN_MALFORMED", "the access token is malformed");
}

/** Counts the dots without splitting (the token can be a few kilobytes, and this runs on every request). */
function dots(token: string): number {
  let count = 0;
  for (let at = token.indexOf("."); at !== -1 && count < 5; at = token.indexOf(".", at + 1)) count++;
  return count;
}
