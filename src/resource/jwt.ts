// JWT access tokens, validated as RFC 9068 §4 requires, with jose doing the JOSE work.
import { errors, jwtVerify, type JWTPayload } from "jose";
import { toClaims, type AccessTokenClaims } from "./claims";
import { AccessTokenError, type AccessTokenErrorCode } from "./errors";
import { issuerKeys } from "./jwks";
import type { ResolvedOptions } from "./options";

/** RFC 9068 §2.2: the claims an access token in this profile always carries. */
const REQUIRED_CLAIMS = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];

export async function verifyJwt(token: string, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, issuerKeys(opts), {
      // RFC 9068 §4 (1): "The resource server MUST verify that the typ header value is "at+jwt" or
      // "application/at+jwt" and reject tokens carrying any other value." (jose accepts both spellings.)
      typ: "at+jwt",
      // RFC 9068 §4 (3): the issuer identifier "MUST exactly match the value of the iss claim".
      issuer: opts.issuer,
      // RFC 9068 §4 (4): "The JWT access token MUST be rejected if aud does not contain a resource indicator
      // of the current resource server as a valid audience."
      audience: opts.audience,
      // RFC 9068 §4 (5): validate the signature with the alg in the header, and "MUST reject any JWT in which
      // the value of alg is none"; only the configured asymmetric algorithms pass, checked before any key lookup.
      algorithms: opts.algorithms,
      // RFC 9068 §4 (6): "The current time MUST be before the time represented by the exp claim", with "some
      // small leeway, usually no more than a few minutes" (bounded in options.ts); nbf gets the same leeway.
      clockTolerance: opts.clockTolerance,
      currentDate: new Date(opts.now() * 1000),
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (err) {
    throw fromJose(err);
  }
  // RFC 9068 §2.2.3: scope is a space-delimited string (RFC 8693 §4.2) when present.
  if (payload.scope !== undefined && typeof payload.scope !== "string") {
    throw new AccessTokenError("ERR_TOKEN_INVALID_CLAIMS", "the scope claim is not a string");
  }
  if (typeof payload.client_id !== "string" || typeof payload.sub !== "string") {
    throw new AccessTokenError("ERR_TOKEN_INVALID_CLAIMS", "the access token's client_id or sub is not a string");
  }
  return toClaims("jwt", opts.issuer, payload);
}

/**
 * Every failure while verifying becomes one of our codes; RFC 9068 §4 answers all of them with invalid_token.
 * Anything that is not a JOSE error (a TypeError from a header jose did not type-check, say) was still caused
 * by the token, so it is a malformed token (RFC 6750 §3.1 invalid_token), never a 500.
 */
export function fromJose(err: unknown): AccessTokenError {
  if (err instanceof AccessTokenError) return err;
  const [code, message] = classify(err);
  return new AccessTokenError(code, message, [], { cause: err });
}

function classify(err: unknown): [AccessTokenErrorCode, string] {
  if (err instanceof errors.JWTExpired) return ["ERR_TOKEN_EXPIRED", "the access token expired"];
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "typ":
        return ["ERR_TOKEN_WRONG_TYPE", "the token is not an access token (typ is not at+jwt)"];
      case "iss":
        return ["ERR_TOKEN_WRONG_ISSUER", "the access token was issued by another issuer"];
      case "aud":
        return ["ERR_TOKEN_WRONG_AUDIENCE", "the access token is not meant for this API"];
      case "nbf":
        return ["ERR_TOKEN_NOT_YET_VALID", "the access token is not valid yet"];
      default:
        return ["ERR_TOKEN_INVALID_CLAIMS", `the access token's ${err.claim} claim is missing or invalid`];
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return ["ERR_TOKEN_ALG_NOT_ALLOWED", "the access token's algorithm is not accepted"];
  if (err instanceof errors.JWKSNoMatchingKey)
    return ["ERR_TOKEN_UNKNOWN_KEY", "the access token was signed with an unknown key"];
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return ["ERR_TOKEN_UNKNOWN_KEY", "the access token's key is ambiguous"];
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return ["ERR_TOKEN_BAD_SIGNATURE", "the access token's signature is invalid"];
  return ["ERR_TOKEN_MALFORMED", "the access token is malformed"];
}
