// JWT client assertions: client_secret_jwt and private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9).
// Checked in this order: signature and algorithm, iss/sub/aud/exp, a bounded lifetime, then the jti is consumed
// in its Durable Object, so that only a fully valid assertion can use up its jti, and only once anywhere.
//
// Lifetime (RFC 7523 §3 items 4-6): assertions are one-shot, but common libraries sign them with a long exp
// (Python authlib: exp = iat + 3600). An assertion with an iat is accepted while that iat is recent (at most
// 5 minutes old) and its exp at most an hour ahead; one without iat must expire within 5 minutes, as then
// nothing says when it was made. Either way its jti is remembered until its exp (item 7), so the one-hour cap
// also bounds how long a replay record lives.
//
// Audience (RFC 7523 §3 item 3, OIDC Core §9): we accept the issuer identifier, the token endpoint URL, and
// the URL of the endpoint the assertion is presented at (introspection, revocation, PAR: RFC 9126 §2 says the
// issuer identifier MUST be accepted there and the PAR endpoint's URL may be). Clients differ in what
// they send (openid-client uses the issuer, many libraries the token endpoint), and each value names this
// authorization server only. Any other audience is refused.
//
// The keys that verify a client's assertion, one entry per method: the client secret for client_secret_jwt
// (OIDC Core §9 and §10.1: an HMAC keyed with the UTF-8 octets of the secret), the client's registered `jwks`
// or `jwks_uri` for private_key_jwt.
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions, type JWTVerifyResult } from "jose";
import { nowSeconds } from "../clock";
import { useAssertion } from "../durable/assertion-replay";
import type { Env } from "../env";
import { OAuthError, invalidClient } from "../errors";
import { assertionAlgorithms, type AssertionMethod } from "./auth-methods";
import { clientVerificationKeys } from "./keys";
import type { Client } from "./schema";
import { recoverClientSecret } from "./secrets";

/** The endpoints that authenticate clients; each is also `${ISSUER}/<endpoint>`. */
export type ClientAuthEndpoint = "token" | "introspect" | "revoke" | "par";

/** Oldest accepted iat, and the furthest exp of an assertion without iat. */
const MAX_ASSERTION_AGE_SECONDS = 300;
/** Furthest accepted exp of an assertion with a recent iat: an hour, what authlib signs. */
const MAX_ASSERTION_EXP_SECONDS = 3600;
/** Clock skew allowed on exp, nbf and iat. */
const ASSERTION_CLOCK_SKEW_SECONDS = 10;
const MAX_JTI_LENGTH = 256;

export async function verifyClientAssertion(
  env: Env,
  client: Client,
  method: AssertionMethod,
  assertion: string,
  endpoint: ClientAuthEndpoint,
): Promise<void> {
  const verify = await assertionVerifiers[method](env, client);
  const algorithms = allowedAlgorithms(client, method);
  const payload = await verifiedPayload(
    () =>
      verify(assertion, {
        algorithms,
        // RFC 7523 §3 items 1-2: iss and sub MUST both be the client_id (OIDC Core §9 likewise).
        issuer: client.client_id,
        subject: client.client_id,
        audience: acceptedAudiences(env, endpoint),
        // RFC 7523 §3 item 4: "The JWT MUST contain an exp (expiration time) claim"; OIDC Core §9 makes jti
        // REQUIRED, and we need it for replay detection (RFC 7523 §3 item 7).
        requiredClaims: ["exp", "jti"],
        currentDate: new Date(nowSeconds() * 1000),
        clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS,
      }),
    method,
    algorithms,
  );
  // jose accepts an array aud when any member matches; an assertion naming other audiences too could have been
  // made for (and replayed from) another server (the audience-injection attack on RFC 7523 assertions), so a
  // single string audience is required.
  if (typeof payload.aud !== "string") throw invalidClient("client_assertion aud must be a single audience");
  // A request object (RFC 9101) is signed by the same key with iss = client_id and aud = issuer, and it travels
  // through the browser: one that also names sub must never pass for the client's own authentication.
  if (AUTHORIZATION_REQUEST_CLAIMS.some((claim) => claim in payload)) {
    throw invalidClient("client_assertion must not be an authorization request object");
  }
  const { exp, jti } = checkLifetime(payload);
  // RFC 7523 §3 item 7: "The authorization server MAY ensure that JWTs are not replayed by maintaining the set
  // of used jti values for the length of time for which the JWT would be considered valid."
  if (!(await useAssertion(env, client.client_id, jti, exp + ASSERTION_CLOCK_SKEW_SECONDS))) {
    throw invalidClient("client_assertion has already been used");
  }
}

/** Claims of an authorization request object (RFC 9101 §4), which no client assertion has. */
const AUTHORIZATION_REQUEST_CLAIMS = ["response_type", "redirect_uri", "code_challenge"];

/** The method's algorithms, narrowed to the one the client registered, if it did (RFC 7591 §2). */
function allowedAlgorithms(client: Client, method: AssertionMethod): string[] {
  const allowed: readonly string[] = assertionAlgorithms[method];
  const registered = client.token_endpoint_auth_signing_alg;
  // OIDC Registration §2: "All Token Requests using these authentication methods from this Client MUST be
  // rejected, if the JWT is not signed with this algorithm."
  return registered === undefined ? [...allowed] : allowed.filter((alg) => alg === registered);
}

function acceptedAudiences(env: Env, endpoint: ClientAuthEndpoint): string[] {
  return [...new Set([env.ISSUER, `${env.ISSUER}/token`, `${env.ISSUER}/${endpoint}`])];
}

async function verifiedPayload(
  verify: () => Promise<{ payload: JWTPayload }>,
  method: AssertionMethod,
  algorithms: string[],
): Promise<JWTPayload> {
  try {
    return (await verify()).payload;
  } catch (err) {
    if (err instanceof errors.JOSEError) throw invalidClient(assertionFailure(err, method, algorithms));
    if (err instanceof OAuthError) throw err;
    // Web Crypto refuses some registered keys only when they are imported (an EC point off its curve, say).
    throw invalidClient("client_assertion is invalid", err instanceof Error ? err.message : "unknown error");
  }
}

/** A description for the client; never key material. */
function assertionFailure(err: errors.JOSEError, method: AssertionMethod, algorithms: string[]): string {
  if (err instanceof errors.JWTExpired) return "client_assertion has expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `client_assertion claim ${err.claim} is invalid`;
  // Names the registered method: an HS256 assertion from a private_key_jwt client (or the reverse) is a client
  // configured for the other method. The method and its algorithms are public (registration, discovery).
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return `client_assertion algorithm is not allowed: this client is registered for ${method} with ${algorithms.join(", ")}`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "no registered key matches the client_assertion";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "client_assertion signature is invalid";
  return "client_assertion is invalid";
}

/** Bounds the lifetime (see the header) and returns the claims replay detection needs. */
function checkLifetime(payload: JWTPayload): { exp: number; jti: string } {
  const { exp, iat, jti } = payload;
  if (exp === undefined || typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_LENGTH) {
    throw invalidClient("client_assertion needs exp and a jti of at most 256 characters");
  }
  const now = nowSeconds();
  if (iat === undefined) {
    // RFC 7523 §3 item 4 lets the server reject JWTs with "an unreasonably far future" exp.
    if (exp - now > MAX_ASSERTION_AGE_SECONDS) {
      throw invalidClient(`client_assertion without iat must expire within ${MAX_ASSERTION_AGE_SECONDS} seconds`);
    }
    return { exp, jti };
  }
  if (iat > now + ASSERTION_CLOCK_SKEW_SECONDS) throw invalidClient("client_assertion iat is in the future");
  // RFC 7523 §3 item 6: the server "MAY reject JWTs with an 'iat' claim value that is unreasonably far in the past".
  if (iat < now - MAX_ASSERTION_AGE_SECONDS - ASSERTION_CLOCK_SKEW_SECONDS) {
    throw invalidClient(`client_assertion iat is more than ${MAX_ASSERTION_AGE_SECONDS} seconds old`);
  }
  if (exp - now > MAX_ASSERTION_EXP_SECONDS + ASSERTION_CLOCK_SKEW_SECONDS) {
    throw invalidClient(`client_assertion exp is more than ${MAX_ASSERTION_EXP_SECONDS} seconds ahead`);
  }
  return { exp, jti };
}

/** Verifies an assertion's signature and the given claim checks with the client's key(s). */
type AssertionVerifier = (assertion: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

const assertionVerifiers: Record<AssertionMethod, (env: Env, client: Client) => Promise<AssertionVerifier>> = {
  client_secret_jwt: secretVerifier,
  private_key_jwt: publicKeyVerifier,
};

async function secretVerifier(env: Env, client: Client): Promise<AssertionVerifier> {
  const secret = await recoverClientSecret(env, client);
  if (secret === null) throw invalidClient("the client has no secret to verify client_secret_jwt");
  const key = new TextEncoder().encode(secret);
  return (assertion, options) => jwtVerify(assertion, key, options);
}

async function publicKeyVerifier(_env: Env, client: Client): Promise<AssertionVerifier> {
  const keys = clientVerificationKeys(client);
  if (!keys) throw invalidClient("the client has registered no keys for private_key_jwt");
  return (assertion, options) => jwtVerify(assertion, keys, options);
}
