// Request objects (RFC 9101 JAR, OIDC Core §6.1): the `request` parameter at /authorize and inside a PAR body.
// What we accept, in the order it is checked (every failure is invalid_request_object):
// - signed only, with an asymmetric algorithm of config.requestObjects (`none` and MACs are refused: RFC 9101 §10.1
//   leaves unsigned objects to the server, and a MAC would need the client secret recoverable); the client's
//   registered request_object_signing_alg when it has one (OIDC Registration §2: "MUST be rejected" otherwise);
// - typ `oauth-authz-req+jwt` (RFC 9101 §4, §10.8), or `JWT` or none: OIDC Core §6.1 request objects predate the
//   media type and most libraries still send them so. Any other typ (at+jwt, dpop+jwt, logout+jwt...) is refused,
//   so that no other kind of JWT the client signs passes for a request;
// - verified with the client's registered `jwks` or `jwks_uri`;
// - iss = client_id and aud = our issuer (RFC 9101 §4 and §6.1: "SHOULD"; required here, as node-oidc-provider's
//   FAPI profiles and FAPI 2.0 do), and the object's client_id equal to the client's (RFC 9101 §5: "MUST be
//   identical");
// - exp required and at most config.requestObjects.maxLifetimeSeconds ahead; nbf and iat, if present, neither in
//   the future nor older than that; jti required and used once (its AssertionReplay object lives until exp);
// - no `request` or `request_uri` inside (OIDC Core §6.1).
// The object's members are then the request's parameters: RFC 9101 §5 "the authorization server MUST only use the
// parameters in the Request Object", so the caller drops everything else it received.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { clientVerificationKeys } from "../clients/keys";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";
import { useRequestObject } from "../durable/assertion-replay";
import type { Env } from "../env";
import { OAuthError, invalidRequestObject } from "../errors";
import type { Params } from "../http/params";

const { maxLifetimeSeconds, clockSkewSeconds } = config.requestObjects;
const ACCEPTED_TYP = new Set(["oauth-authz-req+jwt", "application/oauth-authz-req+jwt", "jwt"]);
/** JWT claims that are not authorization request parameters. */
const JWT_CLAIMS = new Set(["iss", "aud", "exp", "nbf", "iat", "jti", "sub"]);
const MAX_JTI_LENGTH = 256;
/** The object travels in a URL (or a form of at most config.maxRequestBodyBytes); 16 KiB is plenty. */
const MAX_REQUEST_OBJECT_LENGTH = 16 * 1024;

/** The parameters of a valid request object of `client`; throws invalid_request_object otherwise. */
export async function requestObjectParams(env: Env, client: Client, jwt: string): Promise<Params> {
  if (jwt.length > MAX_REQUEST_OBJECT_LENGTH) throw invalidRequestObject("the request object is too large");
  checkType(jwt);
  const keys = clientVerificationKeys(client);
  if (!keys) throw invalidRequestObject("the client has registered no keys (jwks or jwks_uri) for request objects");
  const algorithms = allowedAlgorithms(client);
  const payload = await verified(() =>
    jwtVerify(jwt, keys, {
      algorithms,
      issuer: client.client_id,
      audience: env.ISSUER,
      requiredClaims: ["iss", "aud", "exp", "jti"],
      currentDate: new Date(nowSeconds() * 1000),
      clockTolerance: clockSkewSeconds,
    }).then((result) => result.payload),
  );
  const { exp, jti } = checkLifetime(payload);
  // RFC 9101 §5: client_id in the object and the client_id of the request "MUST be identical".
  if (payload.client_id !== client.client_id) {
    throw invalidRequestObject("the request object's client_id must be the client_id of the request");
  }
  const params = parametersOf(payload);
  if (!(await useRequestObject(env, client.client_id, jti, exp + clockSkewSeconds))) {
    throw invalidRequestObject("the request object has already been used");
  }
  return params;
}

function checkType(jwt: string): void {
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(jwt).typ;
  } catch {
    throw invalidRequestObject("the request object is not a signed JWT");
  }
  if (typ !== undefined && (typeof typ !== "string" || !ACCEPTED_TYP.has(typ.toLowerCase()))) {
    throw invalidRequestObject("the request object's typ must be oauth-authz-req+jwt");
  }
}

/** The supported algorithms, narrowed to the one the client registered, if it did. */
function allowedAlgorithms(client: Client): string[] {
  const supported: readonly string[] = config.requestObjects.signingAlgorithms;
  const registered = client.request_object_signing_alg;
  return registered === undefined ? [...supported] : supported.filter((alg) => alg === registered);
}

async function verified(verify: () => Promise<JWTPayload>): Promise<JWTPayload> {
  try {
    return await verify();
  } catch (err) {
    if (err instanceof errors.JOSEError) throw invalidRequestObject(failure(err));
    if (err instanceof OAuthError) throw err;
    // Web Crypto refuses some registered keys only when they are imported (an EC point off its curve, say): the
    // request object cannot be verified, which is the client's problem, never a 5xx.
    throw invalidRequestObject("the request object is invalid", err instanceof Error ? err.message : "unknown error");
  }
}

/** A description for the client; never key material. */
function failure(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return "the request object has expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `the request object's ${err.claim} claim is invalid`;
  if (err instanceof errors.JOSEAlgNotAllowed) return "the request object's signing algorithm is not allowed";
  if (err instanceof errors.JWKSNoMatchingKey) return "no registered key of the client matches the request object";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the request object's signature is invalid";
  return "the request object is invalid";
}

function checkLifetime(payload: JWTPayload): { exp: number; jti: string } {
  const { exp, nbf, iat, jti } = payload;
  if (exp === undefined || typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
    throw invalidRequestObject("the request object needs exp and a jti of at most 256 characters");
  }
  const now = nowSeconds();
  if (exp > now + maxLifetimeSeconds + clockSkewSeconds) {
    throw invalidRequestObject(`the request object must expire within ${maxLifetimeSeconds} seconds`);
  }
  // jose has checked that nbf is not in the future; neither it nor iat may be older than the longest lifetime.
  for (const [name, value] of [
    ["nbf", nbf],
    ["iat", iat],
  ] as const) {
    if (value === undefined) continue;
    if (value > now + clockSkewSeconds) throw invalidRequestObject(`the request object's ${name} is in the future`);
    if (value < now - maxLifetimeSeconds - clockSkewSeconds) {
      throw invalidRequestObject(`the request object's ${name} is more than ${maxLifetimeSeconds} seconds old`);
    }
  }
  return { exp, jti };
}

/** The authorization parameters, as strings like those of a query (OIDC Core §6.1: claims may be an object). */
function parametersOf(payload: JWTPayload): Params {
  // OIDC Core §6.1: "The request and request_uri parameters MUST NOT be included in Request Objects."
  if ("request" in payload || "request_uri" in payload) {
    throw invalidRequestObject("a request object must not contain request or request_uri");
  }
  const params: Params = {};
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name) || value === undefined || value === null || value === "") continue;
    params[name] = parameterValue(name, value);
  }
  return params;
}

function parameterValue(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (name === "claims" && typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  throw invalidRequestObject(`the request object's ${name} must be a string`);
}
