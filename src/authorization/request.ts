// Validation of an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636 §4.3), in steps:
// requestingClient() and trustedTarget() check client_id and redirect_uri (at /authorize their errors are shown on
// our own page, never redirected); validateAuthorizationRequest() checks the rest (at /authorize its errors go back
// to the client, src/routes/authorize.ts). The PAR endpoint (src/routes/par.ts) runs the same steps and answers
// every error as JSON.
import * as v from "valibot";
import { findClient } from "../clients/registry";
import { isPublicClient, type Client } from "../clients/schema";
import { config } from "../config";
import type { Env } from "../env";
import { invalidRequest, invalidScope, unauthorizedClient, unsupportedResponseType } from "../errors";
import type { Params } from "../http/params";
import { idTokenHintSubject as verifiedHintSubject } from "../tokens/id-token-hint";
import { RESPONSE_MODES, type RedirectTarget } from "./response";

export const AuthorizationRequest = v.object({
  client_id: v.string(),
  redirect_uri: v.string(),
  response_mode: v.picklist(RESPONSE_MODES),
  scope: v.array(v.string()),
  state: v.optional(v.string()),
  nonce: v.optional(v.string()),
  code_challenge: v.optional(v.string()),
  prompt: v.array(v.picklist(["none", "login", "consent", "select_account"])),
  max_age: v.optional(v.number()),
  login_hint: v.optional(v.string()),
  /** `sub` of a valid id_token_hint. */
  hint_sub: v.optional(v.string()),
  acr_values: v.optional(v.string()),
  ui_locales: v.optional(v.string()),
  claims: v.optional(v.string()),
  /** RFC 9449 §10: the code is bound to this JWK thumbprint (dpop_jkt, or PAR's DPoP proof). */
  dpop_jkt: v.optional(v.string()),
});
export type AuthorizationRequest = v.InferOutput<typeof AuthorizationRequest>;

/** The request travels sealed inside the code (src/authorization/code.ts): what it carries is bounded. */
const MAX_NONCE = 512;
const MAX_CLAIMS = 4096;
// RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(verifier)), 43 characters for S256.
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
// RFC 9449 §10: dpop_jkt is the JWK SHA-256 thumbprint (RFC 7638), base64url: 43 characters.
const DPOP_JKT = /^[A-Za-z0-9_-]{43}$/;

/** The client named by client_id. */
export async function requestingClient(env: Env, params: Params): Promise<Client> {
  if (!params.client_id) throw invalidRequest("client_id is required");
  const client = await findClient(env, params.client_id);
  if (!client) throw invalidRequest("unknown client");
  return client;
}

/** The redirect URI the client registered, once trusted: from then on errors go back there. */
export function trustedTarget(client: Client, params: Params): RedirectTarget {
  const redirectUri = trustedRedirectUri(client, params);
  const responseMode = RESPONSE_MODES.find((m) => m === params.response_mode) ?? "query";
  return { redirectUri, responseMode, state: params.state };
}

/**
 * RFC 9126 §5 and §6: authorization requests must come through the PAR endpoint, for this client
 * (require_pushed_authorization_requests) or for every client (the deployment's REQUIRE_PAR).
 */
export function pushedRequestRequired(env: Env, client: Client): boolean {
  return parRequiredForAll(env) || client.require_pushed_authorization_requests;
}

export function parRequiredForAll(env: Env): boolean {
  return env.REQUIRE_PAR === "true";
}

/** RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3: exact string match against a registered redirect URI. */
function trustedRedirectUri(client: Client, params: Params): string {
  // OIDC Core §3.1.2.1: redirect_uri is REQUIRED.
  const uri = params.redirect_uri;
  if (!uri) throw invalidRequest("redirect_uri is required");
  if (!client.redirect_uris.includes(uri)) throw invalidRequest("redirect_uri is not registered for this client");
  return uri;
}

/** Everything but the client and redirect URI (trustedTarget() checked those). */
export async function validateAuthorizationRequest(
  env: Env,
  client: Client,
  target: RedirectTarget,
  params: Params,
): Promise<AuthorizationRequest> {
  if (params.response_mode !== undefined && !RESPONSE_MODES.some((m) => m === params.response_mode)) {
    throw invalidRequest("unsupported response_mode");
  }
  if (!params.response_type) throw invalidRequest("response_type is required");
  if (params.response_type !== "code") {
    throw unsupportedResponseType("only response_type=code is supported");
  }
  if (!client.response_types.includes("code") || !client.grant_types.includes("authorization_code")) {
    throw unauthorizedClient("the client may not use the authorization code flow");
  }
  return {
    client_id: client.client_id,
    redirect_uri: target.redirectUri,
    response_mode: target.responseMode,
    scope: requestedScopes(client, params.scope),
    state: params.state,
    nonce: bounded("nonce", params.nonce, MAX_NONCE),
    code_challenge: codeChallenge(client, params),
    prompt: prompts(params.prompt),
    max_age: maxAge(params.max_age),
    login_hint: params.login_hint,
    hint_sub: await idTokenHintSubject(env, client, params.id_token_hint),
    acr_values: params.acr_values,
    ui_locales: params.ui_locales,
    claims: claimsParameter(bounded("claims", params.claims, MAX_CLAIMS)),
    dpop_jkt: dpopJkt(params.dpop_jkt),
  };
}

function dpopJkt(value: string | undefined): string | undefined {
  if (value !== undefined && !DPOP_JKT.test(value)) {
    throw invalidRequest("dpop_jkt must be a base64url SHA-256 JWK thumbprint");
  }
  return value;
}

function bounded(name: string, value: string | undefined, max: number): string | undefined {
  if (value !== undefined && value.length > max) throw invalidRequest(`${name} is longer than ${max} characters`);
  return value;
}

function requestedScopes(client: Client, scope: string | undefined): string[] {
  if (!scope) throw invalidScope("scope is required");
  const requested = [...new Set(scope.split(" ").filter(Boolean))];
  const allowed = new Set(client.scope.split(" "));
  const known = new Set<string>(config.scopes);
  const refused = requested.filter((s) => !allowed.has(s) || !known.has(s));
  // RFC 6749 §3.3: the server may refuse a scope; we say so rather than silently narrowing.
  if (refused.length > 0) throw invalidScope(`scope not allowed: ${refused.join(" ")}`);
  return requested;
}

function codeChallenge(client: Client, params: Params): string | undefined {
  const challenge = params.code_challenge;
  const method = params.code_challenge_method;
  if (challenge === undefined) {
    if (method !== undefined) throw invalidRequest("code_challenge_method without code_challenge");
    // RFC 9700 §2.1.1: public clients MUST use PKCE.
    if (isPublicClient(client)) throw invalidRequest("PKCE (code_challenge with S256) is required for this client");
    return undefined;
  }
  // RFC 7636 §4.3 defaults the method to plain; RFC 9700 §2.1.1 says S256 is the one to use, so plain is refused.
  if (method !== "S256") throw invalidRequest("code_challenge_method must be S256");
  if (!CODE_CHALLENGE.test(challenge)) throw invalidRequest("code_challenge is malformed");
  return challenge;
}

function prompts(prompt: string | undefined): AuthorizationRequest["prompt"] {
  if (!prompt) return [];
  const parsed = v.safeParse(AuthorizationRequest.entries.prompt, [...new Set(prompt.split(" ").filter(Boolean))]);
  if (!parsed.success) throw invalidRequest("unsupported prompt value");
  // OIDC Core §3.1.2.1: "If this parameter contains none with any other value, an error is returned."
  if (parsed.output.includes("none") && parsed.output.length > 1) {
    throw invalidRequest("prompt=none cannot be combined with other values");
  }
  return parsed.output;
}

function maxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value)) throw invalidRequest("max_age must be a non-negative integer");
  return Number(value);
}

/** OIDC Core §3.1.2.1: the hint is an ID token we issued to this client; an expired one is still accepted. */
async function idTokenHintSubject(env: Env, client: Client, hint: string | undefined): Promise<string | undefined> {
  if (hint === undefined) return undefined;
  try {
    // Provider keys or, for HS256 clients, the client secret; the sub is the one the client sees.
    return await verifiedHintSubject(env, client, hint);
  } catch {
    throw invalidRequest("id_token_hint is not a valid ID token from this provider for this client");
  }
}

/** OIDC Core §5.5: the claims parameter is a JSON object. */
function claimsParameter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidRequest("claims must be a JSON object");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest("claims must be a JSON object");
  }
  return value;
}
