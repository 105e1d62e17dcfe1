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
  | "ERR_INSUFFICIENT_SCOPE"
  | "ERR_ISSUER_UNAVAILABLE";

/** RFC 6750 §3.1 error codes we answer with (invalid_request is never needed: we read only the header). */
export type BearerErrorCode = "invalid_token" | "insufficient_scope";

interface Answer {
  status: 401 | 403 | 503;
  /** Absent for a request without a token: RFC 6750 §3.1 says such a challenge SHOULD NOT carry an error. */
  error: BearerErrorCode | undefined;
}

const INVALID: Answer = { status: 401, error: "invalid_token" };

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
  ERR_INSUFFICIENT_SCOPE: { status: 403, error: "insufficient_scope" },
  // Not the client's fault: the issuer's JWKS, metadata or introspection endpoint could not be reached.
  ERR_ISSUER_UNAVAILABLE: { status: 503, error: undefined },
};

export class AccessTokenError extends Error {
  override readonly name = "AccessTokenError";
  readonly status: 401 | 403 | 503;
  readonly error: BearerErrorCode | undefined;

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
