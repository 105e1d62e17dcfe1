// The verifier's one error type. Each failure has a stable code (tests assert the code, not the message) and
// one table entry saying how it is answered: the HTTP status and the RFC 6750 §3.1 error code, if any.
export type AccessTokenErrorCode =
  | "ERR_TOKEN_MISSING"
  | "ERR_TOKEN_MALFORMED"
  | "ERR_TOKEN_WRONG_TYPE"
  | "ERR_TOKEN_ALG_NOT_ALLOWED"
  | "ERR_TOKEN_UNKNOWN_KEY"
  | "ERR_TOKEN_BAD_SIGNATURE"
  | "ERR_TOKEN_WRONG_ISSUER"
  | "ERR_TOKEN_WRONG_AUDIENCE"
  | "ERR_TOKEN_EXPIRED"
  | "ERR_TOKEN_NOT_YET_VALID"
  | "ERR_TOKEN_INVALID_CLAIMS"
  | "ERR_TOKEN_OPAQUE_NOT_ACCEPTED"
  | "ERR_TOKEN_INACTIVE"
  | "ERR_TOKEN_BOUND_AS_BEARER"
  | "ERR_TOKEN_NOT_BOUND"
  | "ERR_DPOP_REQUIRED"
  | "ERR_DPOP_PROOF_INVALID"
  | "ERR_DPOP_KEY_MISMATCH"
  | "ERR_DPOP_REPLAYED"
  | "ERR_DPOP_NONCE_REQUIRED"
  | "ERR_INSUFFICIENT_SCOPE"
  | "ERR_ISSUER_UNAVAILABLE"
  | "ERR_REPLAY_STORE_UNAVAILABLE";

/**
 * The error codes we answer with: RFC 6750 §3.1's (invalid_request is never needed: we read only the headers)
 * and RFC 9449's invalid_dpop_proof (§7.1) and use_dpop_nonce (§9).
 */
export type BearerErrorCode = "invalid_token" | "insufficient_scope" | "invalid_dpop_proof" | "use_dpop_nonce";

/** The authorization scheme a request used (RFC 6750 §2.1 Bearer, RFC 9449 §7.1 DPoP). */
export type AuthScheme = "Bearer" | "DPoP";

interface Answer {
  status: 401 | 403 | 503;
  /** Absent for a request without a token: RFC 6750 §3.1 says such a challenge SHOULD NOT carry an error. */
  error: BearerErrorCode | undefined;
}

const INVALID: Answer = { status: 401, error: "invalid_token" };
const INVALID_PROOF: Answer = { status: 401, error: "invalid_dpop_proof" };

const answers: Record<AccessTokenErrorCode, Answer> = {
  ERR_TOKEN_MISSING: { status: 401, error: undefined },
  ERR_TOKEN_MALFORMED: INVALID,
  ERR_TOKEN_WRONG_TYPE: INVALID,
  ERR_TOKEN_ALG_NOT_ALLOWED: INVALID,
  ERR_TOKEN_UNKNOWN_KEY: INVALID,
  ERR_TOKEN_BAD_SIGNATURE: INVALID,
  ERR_TOKEN_WRONG_ISSUER: INVALID,
  ERR_TOKEN_WRONG_AUDIENCE: INVALID,
  ERR_TOKEN_EXPIRED: INVALID,
  ERR_TOKEN_NOT_YET_VALID: INVALID,
  ERR_TOKEN_INVALID_CLAIMS: INVALID,
  ERR_TOKEN_OPAQUE_NOT_ACCEPTED: INVALID,
  ERR_TOKEN_INACTIVE: INVALID,
  // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token MUST NOT be accepted.
  ERR_TOKEN_BOUND_AS_BEARER: INVALID,
  // A token without cnf.jkt under the DPoP scheme: there is no key for the proof to match (§7.1).
  ERR_TOKEN_NOT_BOUND: INVALID,
  // A bearer token at an API that takes DPoP-bound tokens only.
  ERR_DPOP_REQUIRED: INVALID,
  // RFC 9449 §7.1: a missing, repeated or invalid proof (§4.3) is invalid_dpop_proof, as is a replayed one (§11.1).
  ERR_DPOP_PROOF_INVALID: INVALID_PROOF,
  ERR_DPOP_REPLAYED: INVALID_PROOF,
  // RFC 9449 §9: the proof lacks a current nonce from this API; the answer carries one in DPoP-Nonce.
  ERR_DPOP_NONCE_REQUIRED: { status: 401, error: "use_dpop_nonce" },
  // RFC 9449 §7.1: the proof is valid but signed by another key than the token is bound to ("Invalid DPoP key
  // binding" is the RFC's own invalid_token example).
  ERR_DPOP_KEY_MISMATCH: INVALID,
  ERR_INSUFFICIENT_SCOPE: { status: 403, error: "insufficient_scope" },
  // Not the client's fault: the issuer's JWKS, metadata or introspection endpoint could not be reached.
  ERR_ISSUER_UNAVAILABLE: { status: 503, error: undefined },
  // Not the client's fault either: the replay store (a Durable Object) did not answer.
  ERR_REPLAY_STORE_UNAVAILABLE: { status: 503, error: undefined },
};

export class AccessTokenError extends Error {
  override readonly name = "AccessTokenError";
  readonly status: 401 | 403 | 503;
  readonly error: BearerErrorCode | undefined;
  /**
   * The scheme the request used, set by verifyRequest: the answer puts the error in that scheme's challenge.
   * Undefined for verifyAccessToken, which only knows bearer tokens.
   */
  scheme: AuthScheme | undefined;
  /** For use_dpop_nonce: the nonce the answer gives out in its DPoP-Nonce header (RFC 9449 §9). */
  dpopNonce: string | undefined;

  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
    /** For insufficient_scope: every scope the resource needs (RFC 6750 §3 `scope` attribute). */
    readonly requiredScopes: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    const answer = answers[code];
    this.status = answer.status;
    this.error = answer.error;
  }
}
