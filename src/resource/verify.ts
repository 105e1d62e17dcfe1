// verifyAccessToken and verifyRequest: a JWT access token is verified locally (jwt.ts); anything else is an
// opaque token and goes to introspection (introspection.ts); a DPoP-bound token also needs its proof
// (dpop-proof.ts) and a replay check (replay.ts); then the required scopes are checked.
import { malformedBinding, type AccessTokenClaims } from "./claims";
import { MAX_TOKEN_LENGTH, credentials as readCredentials, isB64Token, type Credentials } from "./bearer";
import { DpopProofError, verifyDpopProof, type VerifiedDpopProof } from "./dpop-proof";
import { AccessTokenError, type AuthScheme } from "./errors";
import { currentNonce, nonceAccepted } from "./nonce";
import { introspect } from "./introspection";
import { verifyJwt } from "./jwt";
import type { ResolvedOptions, VerifyAccessTokenOptions } from "./options";
import { resolveOptions } from "./options-cache";
import { requireScopes } from "./scope";

/**
 * Verifies a bearer access token for this API. Resolves with its claims, or rejects with an AccessTokenError whose
 * `code` says why and whose `status`/`error` say how to answer (see challenge.ts). A DPoP-bound token is refused
 * here (RFC 9449 §7.2): it takes the request and its proof, so verifyRequest.
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  const opts = resolveOptions(options);
  const claims = await bearerClaims(token, opts);
  requireScopes(claims, opts.scopes);
  return claims;
}

/** What verifyRequest reads of a request: a Request (or Hono's `c.req.raw`) will do. */
export interface RequestLike {
  readonly method: string;
  /** The full URL the client sent the request to: a DPoP proof's htu must name it (RFC 9449 §4.3 item 9). */
  readonly url: string;
  readonly headers: Headers;
}

/**
 * Verifies the access token a request carries, in `Authorization: Bearer` (RFC 6750 §2.1) or, with its proof in
 * the `DPoP` header, `Authorization: DPoP` (RFC 9449 §7.1), as `options.dpop.mode` allows. Resolves with the
 * claims, or rejects with an AccessTokenError; answer it with `errorResponse(err, options)`.
 */
export async function verifyRequest(
  request: RequestLike,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenClaims> {
  const opts = resolveOptions(options);
  let scheme: AuthScheme | undefined;
  try {
    const presented = credentials(request.headers.get("authorization"), opts);
    scheme = presented.scheme;
    const claims =
      presented.scheme === "DPoP"
        ? await dpopBoundClaims(presented.token, request, opts)
        : await bearerClaims(presented.token, opts);
    requireScopes(claims, opts.scopes);
    return claims;
  } catch (err) {
    if (err instanceof AccessTokenError) err.scheme = scheme;
    throw err;
  }
}

/** The credentials, if the API takes their scheme: "off" does not know DPoP, "required" refuses Bearer. */
function credentials(authorization: string | null, opts: ResolvedOptions): Credentials {
  const presented = readCredentials(authorization);
  const { mode } = opts.dpop;
  // An API without DPoP treats the scheme as any other it does not know (RFC 6750 §3.1: no error code).
  if (presented.scheme === "DPoP" && mode === "off") {
    throw new AccessTokenError("ERR_TOKEN_MISSING", "no access token");
  }
  if (presented.scheme === "Bearer" && mode === "required") {
    throw new AccessTokenError("ERR_DPOP_REQUIRED", "this API takes DPoP-bound access tokens only");
  }
  return presented;
}

/** A token presented as a bearer token: it must not be bound to a key (RFC 9449 §7.2). */
async function bearerClaims(token: string, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  const claims = await tokenClaims(token, opts);
  if (claims.jkt !== undefined) {
    // §7.2: a protected resource that supports DPoP "MUST NOT accept" a DPoP-bound token as a bearer token.
    throw new AccessTokenError(
      "ERR_TOKEN_BOUND_AS_BEARER",
      "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
    );
  }
  return claims;
}

async function tokenClaims(token: string, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw malformed();
  const claims = await byFormat(token, opts);
  if (malformedBinding(claims.raw)) {
    throw new AccessTokenError("ERR_TOKEN_INVALID_CLAIMS", "the access token's cnf claim is malformed");
  }
  return claims;
}

/**
 * RFC 9449 §7.1: the proof is checked (§4.3, with ath for this token), then the token, then that the proof's key
 * is the one the token is bound to, and last that the proof was not used before (§11.1), so only a request that
 * would otherwise be accepted costs a replay-store call.
 */
async function dpopBoundClaims(token: string, request: RequestLike, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  // A token that cannot be one is not worth hashing for ath.
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw malformed();
  const proof = await verifiedProof(token, request, opts);
  const claims = await tokenClaims(token, opts);
  if (claims.jkt === undefined) {
    throw new AccessTokenError(
      "ERR_TOKEN_NOT_BOUND",
      "the access token is not DPoP-bound: present it as a bearer token",
    );
  }
  // §7.1: the public key in the proof must match the key the token is bound to (§6: cnf.jkt).
  if (claims.jkt !== proof.jkt) {
    throw new AccessTokenError(
      "ERR_DPOP_KEY_MISMATCH",
      "the DPoP proof is not signed by the key the access token is bound to",
    );
  }
  await useOnce(proof, opts);
  return claims;
}

async function verifiedProof(token: string, request: RequestLike, opts: ResolvedOptions): Promise<VerifiedDpopProof> {
  const { algorithms, windowSeconds, nonce } = opts.dpop;
  const now = opts.now();
  try {
    return await verifyDpopProof(oneProof(request.headers), {
      method: request.method,
      url: request.url,
      algorithms,
      now,
      windowSeconds,
      accessToken: token,
      nonceAccepted: nonce && ((value) => nonceAccepted(nonce, opts.audience, now, value)),
    });
  } catch (err) {
    if (err instanceof AccessTokenError) throw err;
    if (err instanceof DpopProofError && err.error === "use_dpop_nonce" && nonce) {
      // §9: answered with a nonce to retry with.
      const refused = new AccessTokenError("ERR_DPOP_NONCE_REQUIRED", "this API requires a current DPoP nonce");
      refused.dpopNonce = await currentNonce(nonce, opts.audience, now);
      throw refused;
    }
    // Anything verifyDpopProof throws was caused by the proof: never a 500.
    const message = err instanceof DpopProofError ? err.message : "the DPoP proof is malformed";
    throw new AccessTokenError("ERR_DPOP_PROOF_INVALID", message, [], { cause: err });
  }
}

/**
 * §4.3 item 1: exactly one DPoP header. Headers.get joins repeated fields with ", ", which a compact JWS never
 * contains, so a comma means more than one.
 */
function oneProof(headers: Headers): string {
  const proof = headers.get("dpop");
  if (proof === null || proof === "") throw invalidProof("the request has no DPoP proof");
  if (proof.includes(",")) throw invalidProof("the request has more than one DPoP proof");
  return proof;
}

/** §11.1: a proof is accepted once; it is remembered for as long as its iat is inside the window. */
async function useOnce(proof: VerifiedDpopProof, opts: ResolvedOptions): Promise<void> {
  let unused: boolean;
  try {
    unused = await opts.replay.use(`${proof.jkt}:${proof.jti}`, proof.acceptableUntil);
  } catch (err) {
    throw new AccessTokenError("ERR_REPLAY_STORE_UNAVAILABLE", "the DPoP replay store did not answer", [], {
      cause: err,
    });
  }
  if (!unused) throw new AccessTokenError("ERR_DPOP_REPLAYED", "the DPoP proof was used before");
}

/**
 * The DPoP nonce to give out now (RFC 9449 §9: in a `DPoP-Nonce` response header), or undefined when
 * `dpop.nonce` is not configured. requireAccessToken adds it to every response to a DPoP request.
 */
export async function dpopNonce(options: VerifyAccessTokenOptions): Promise<string | undefined> {
  const opts = resolveOptions(options);
  const { nonce } = opts.dpop;
  return nonce && currentNonce(nonce, opts.audience, opts.now());
}

function invalidProof(message: string): AccessTokenError {
  return new AccessTokenError("ERR_DPOP_PROOF_INVALID", message);
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
