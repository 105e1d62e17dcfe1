// DPoP proof JWTs (RFC 9449 §4), checked as §4.3 lists, by both sides of edge-oidc: the provider's token and
// userinfo endpoints and `edge-oidc/resource` at an API. This module is pure: what a proof's jti must not have
// been used before (§11.1) and which nonce is current (§8, §9) are each caller's own state, passed in.
// It imports nothing of the provider (src/resource stands alone), so the provider imports it from here.
import { base64url, calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from "jose";

/** §4.2 typ header. */
export const DPOP_PROOF_TYP = "dpop+jwt";

/** Asymmetric JWS algorithms a proof may use (§4.3 item 5: not `none`, not a MAC). */
export type DpopAlgorithm = "ES256" | "ES384" | "ES512" | "EdDSA" | "Ed25519" | "RS256" | "PS256";

/** Why a proof was refused; `use_dpop_nonce` asks the client to retry with the nonce it is given (§8, §9). */
export type DpopProofErrorCode = "invalid_dpop_proof" | "use_dpop_nonce";

export class DpopProofError extends Error {
  override readonly name = "DpopProofError";
  constructor(
    readonly error: DpopProofErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DpopProofExpectations {
  /** The request's method (§4.3 item 8: htm). */
  method: string;
  /** The request's URL; its query and fragment are ignored (§4.3 item 9: htu). */
  url: string;
  algorithms: readonly DpopAlgorithm[];
  /** Epoch seconds. */
  now: number;
  /** How far iat may be from now, either way (§4.3 item 11: "within an acceptable window"). */
  windowSeconds: number;
  /** With an access token (§4.3 item 12, §7.1): its ath must be the token's SHA-256. */
  accessToken?: string | undefined;
  /** When nonces are in use: whether the proof's nonce (undefined: none) is one the server gave out. */
  nonceAccepted?: ((nonce: string | undefined) => Promise<boolean> | boolean) | undefined;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key (§6.1 cnf.jkt). */
  jkt: string;
  jti: string;
  iat: number;
  /** Until when the proof is acceptable: its jti must be remembered until then (§11.1). */
  acceptableUntil: number;
}

/** jti carries at least 96 bits of randomness in practice; a bound keeps replay keys small. */
const MAX_JTI_LENGTH = 256;
/** A proof is a few hundred bytes; an RSA key makes it longer, but nothing needs more than this. */
const MAX_PROOF_LENGTH = 8192;

/** Checks one DPoP proof; throws DpopProofError. The caller checks that exactly one DPoP header was sent. */
export async function verifyDpopProof(proof: string, expect: DpopProofExpectations): Promise<VerifiedDpopProof> {
  if (proof.length > MAX_PROOF_LENGTH) throw invalid("the DPoP proof is too long");
  const { payload, protectedHeader } = await verifiedJwt(proof, expect.algorithms);
  const { jti, htm, htu, iat } = payload;
  // §4.2: jti, htm, htu and iat are required.
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) throw invalid("the DPoP proof's jti");
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw invalid("the DPoP proof has no iat");
  // §4.3 item 8: "the htm claim matches the HTTP method of the current request".
  if (htm !== expect.method) throw invalid("the DPoP proof's htm does not match the request method");
  // §4.3 item 9: htu matches the request URI "ignoring any query and fragment parts", after normalization.
  if (typeof htu !== "string" || !sameTarget(htu, expect.url)) {
    throw invalid("the DPoP proof's htu does not match the request URI");
  }
  // §4.3 item 11: iat within the window, both ways (a clock running ahead is skew too).
  if (Math.abs(expect.now - iat) > expect.windowSeconds) throw invalid("the DPoP proof's iat is outside the window");
  // §4.3 item 12 and §7.1: "the ath claim equals the hash of that access token".
  if (expect.accessToken !== undefined && payload.ath !== (await accessTokenHash(expect.accessToken))) {
    throw invalid("the DPoP proof's ath does not match the access token");
  }
  // §4.3 item 10: checked last, so a client is only asked for a nonce by an otherwise valid proof.
  const nonce = payload.nonce;
  if (nonce !== undefined && typeof nonce !== "string") throw invalid("the DPoP proof's nonce");
  if (expect.nonceAccepted && !(await expect.nonceAccepted(nonce))) {
    throw new DpopProofError("use_dpop_nonce", "the authorization server requires a current DPoP nonce");
  }
  const jwk = protectedHeader.jwk;
  if (!jwk) throw invalid("the DPoP proof has no jwk header");
  return {
    jkt: await calculateJwkThumbprint(jwk, "sha256"),
    jti,
    iat,
    // Accepted while now - iat <= window, so still at iat + window: remembered one second beyond.
    acceptableUntil: iat + expect.windowSeconds + 1,
  };
}

/** §4.2 ath: base64url(SHA-256(ASCII access token)). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * §4.3 items 2-7: one well-formed JWT, typ dpop+jwt, an allowed asymmetric alg, a `jwk` header that is a public
 * key (jose's EmbeddedJWK refuses a private one), and a signature that verifies with it.
 */
async function verifiedJwt(proof: string, algorithms: readonly DpopAlgorithm[]) {
  try {
    return await jwtVerify(proof, EmbeddedJWK, { typ: DPOP_PROOF_TYP, algorithms: [...algorithms] });
  } catch (err) {
    if (err instanceof errors.JOSEAlgNotAllowed) throw invalid("the DPoP proof's algorithm is not supported");
    if (err instanceof errors.JWTClaimValidationFailed && err.claim === "typ") {
      throw invalid("the DPoP proof's typ must be dpop+jwt");
    }
    // Web Crypto itself refuses some malformed keys (a DataError, not a JOSEError): every failure here comes from
    // the proof, so none of them is a server error.
    throw invalid("the DPoP proof is not a valid signed JWT");
  }
}

/** Scheme, host, port and path, as the URL parser normalizes them (RFC 3986 §6.2.2, §6.2.3). */
function sameTarget(htu: string, requestUrl: string): boolean {
  try {
    const a = new URL(htu);
    const b = new URL(requestUrl);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

function invalid(message: string): DpopProofError {
  return new DpopProofError("invalid_dpop_proof", message);
}
