// The provider's one error type, its codes, and every factory. The bottom layer: it imports nothing of ours, and
// turning an error into a response (JSON, a redirect to the client, our error page) is the HTTP layer's job
// (src/http/errors.ts, src/authorization/response.ts).
//
// `description` is sent to the client as error_description; `detail` is written to the log and never sent, so
// internal reasons (which check failed inside a Grant, what a backend answered) stay out of responses.

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "login_required"
  | "consent_required"
  | "interaction_required"
  // OpenID Connect Unmet Authentication Requirements 1.0 §3: the user cannot meet the requested authentication.
  | "unmet_authentication_requirements"
  | "invalid_token"
  | "insufficient_scope"
  | "temporarily_unavailable"
  | "invalid_target"
  // RFC 9449 §5, §7.1, §8: DPoP proofs and nonces.
  | "invalid_dpop_proof"
  | "use_dpop_nonce"
  // RFC 9101 §6.2 and §7: request objects and request_uri.
  | "invalid_request_object"
  | "invalid_request_uri"
  | "request_not_supported"
  | "request_uri_not_supported"
  | "server_error"
  // RFC 7591 §3.2.2: dynamic client registration errors.
  | "invalid_redirect_uri"
  | "invalid_client_metadata";

interface OAuthErrorOptions {
  status?: number;
  /** RFC 6750 §3 / RFC 6749 §5.2 challenge header. */
  wwwAuthenticate?: string;
  /** Other response headers the error needs (RFC 9449 §8: the DPoP-Nonce to retry with). */
  headers?: Readonly<Record<string, string>>;
  /** For the log only. */
  detail?: string;
}

/**
 * RFC 6749 §5.2 and §4.1.2.1: error_description "MUST NOT include characters outside the set %x20-21 / %x23-5B /
 * %x5D-7E". Markup characters go too: a description may quote the request, and nothing from it is echoed as markup.
 */
function printable(description: string): string {
  return description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]|[<>&]/g, "?");
}

export class OAuthError extends Error {
  readonly description: string;
  readonly status: number;
  readonly wwwAuthenticate: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly detail: string | undefined;

  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${error}: ${description}`);
    this.description = printable(description);
    this.status = options.status ?? 400;
    this.wwwAuthenticate = options.wwwAuthenticate;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }
}

/**
 * RFC 6750 §3: a request without any bearer token gets a bare challenge and no error code; an endpoint that also
 * takes DPoP-bound tokens adds its DPoP challenge (RFC 9449 §7.1: both schemes may be challenged).
 */
export class MissingBearerToken extends OAuthError {
  constructor(otherChallenge?: string) {
    super("invalid_token", "no access token", {
      status: 401,
      wwwAuthenticate: withChallenge('Bearer realm="edge-oidc"', otherChallenge),
    });
  }
}

/** RFC 9110 §11.6.1: several challenges in one WWW-Authenticate field, comma-separated. */
function withChallenge(challenge: string, other: string | undefined): string {
  return other === undefined ? challenge : `${challenge}, ${other}`;
}

/**
 * A sign-in whose interaction (the signed pending request) is missing, forged or past its lifetime: the pages
 * say the sign-in took too long and to start again from the application.
 */
export class InteractionExpired extends OAuthError {
  constructor() {
    super("invalid_request", "this sign-in request has expired; start again from the application");
  }
}

const plain =
  (code: OAuthErrorCode, status = 400) =>
  (description: string, detail?: string) =>
    new OAuthError(code, description, { status, ...(detail === undefined ? {} : { detail }) });

export const invalidRequest = plain("invalid_request");
export const invalidGrant = plain("invalid_grant");
export const invalidScope = plain("invalid_scope");
export const invalidTarget = plain("invalid_target");
export const unauthorizedClient = plain("unauthorized_client");
export const unsupportedGrantType = plain("unsupported_grant_type");
export const unsupportedResponseType = plain("unsupported_response_type");
export const accessDenied = plain("access_denied");
export const loginRequired = plain("login_required");
export const consentRequired = plain("consent_required");
export const interactionRequired = plain("interaction_required");
export const unmetAuthenticationRequirements = plain("unmet_authentication_requirements");
export const invalidClientMetadata = plain("invalid_client_metadata");
export const invalidRedirectUri = plain("invalid_redirect_uri");
export const invalidRequestObject = plain("invalid_request_object");
export const invalidRequestUri = plain("invalid_request_uri");
export const requestUriNotSupported = plain("request_uri_not_supported");
export const temporarilyUnavailable = plain("temporarily_unavailable", 503);
export const serverError = plain("server_error", 500);
/**
 * invalid_request with the HTTP status of a management API answer (404 no such thing, 405 wrong method, 409 exists,
 * 413 too large).
 */
export const requestRefused = (status: 403 | 404 | 405 | 409 | 413, description: string) =>
  new OAuthError("invalid_request", description, { status });

/** RFC 6749 §5.2: failed client authentication is 401 with a WWW-Authenticate challenge. */
export const invalidClient = (description: string, detail?: string) =>
  new OAuthError("invalid_client", description, {
    status: 401,
    wwwAuthenticate: 'Basic realm="edge-oidc"',
    ...(detail === undefined ? {} : { detail }),
  });

/**
 * RFC 6750 §3.1: a missing, malformed, expired or revoked bearer token; `otherChallenge` adds the endpoint's DPoP
 * challenge (RFC 9449 §7.1).
 */
export const invalidToken = (description: string, otherChallenge?: string) =>
  new OAuthError("invalid_token", description, {
    status: 401,
    wwwAuthenticate: withChallenge(bearerChallenge("invalid_token", description), otherChallenge),
  });

/** RFC 6750 §3.1: a malformed bearer request (the token sent in more than one way), 400 with the challenge. */
export const invalidBearerRequest = (description: string) =>
  new OAuthError("invalid_request", description, { wwwAuthenticate: 'Bearer error="invalid_request"' });

/** RFC 6750 §3.1: the token is valid but lacks a scope the resource needs. */
export const insufficientScope = (description: string, scope: string) =>
  new OAuthError("insufficient_scope", description, {
    status: 403,
    wwwAuthenticate: `${bearerChallenge("insufficient_scope", description)}, scope="${scope}"`,
  });

/** RFC 9449 §5.2: at the token endpoint, a proof that is missing where one is required, or invalid. */
export const invalidDpopProof = plain("invalid_dpop_proof");

/** RFC 9449 §8: the token endpoint wants a proof carrying its current nonce, given in DPoP-Nonce. */
export const useDpopNonce = (nonce: string) =>
  new OAuthError("use_dpop_nonce", "the authorization server requires a current DPoP nonce", {
    headers: { "DPoP-Nonce": nonce },
  });

/**
 * RFC 9449 §7.1 and §9: a protected resource refuses a DPoP request with a 401 and its DPoP challenge, which names
 * the proof algorithms it accepts (`algs`); a nonce to retry with comes in DPoP-Nonce.
 */
export const dpopResourceError = (
  code: "invalid_token" | "invalid_dpop_proof" | "use_dpop_nonce" | "insufficient_scope",
  description: string,
  algs: readonly string[],
  nonce?: string,
) =>
  new OAuthError(code, description, {
    // RFC 6750 §3.1, which RFC 9449 §7.1 follows: insufficient_scope is 403, the others 401.
    status: code === "insufficient_scope" ? 403 : 401,
    wwwAuthenticate: dpopChallenge(algs, code, description),
    ...(nonce === undefined ? {} : { headers: { "DPoP-Nonce": nonce } }),
  });

/** RFC 9449 §7.1: `DPoP algs="..."`, with an error when there is one. */
export function dpopChallenge(algs: readonly string[], code?: OAuthErrorCode, description?: string): string {
  const error = code === undefined ? "" : `error="${code}", error_description="${quotable(description ?? "")}", `;
  return `DPoP ${error}algs="${algs.join(" ")}"`;
}

/** RFC 6750 §3: quoted-string values, so quotes and backslashes are dropped rather than escaped. */
function bearerChallenge(code: OAuthErrorCode, description: string): string {
  return `Bearer error="${code}", error_description="${quotable(description)}"`;
}

function quotable(value: string): string {
  return printable(value).replace(/["\\]/g, "");
}
