// Client metadata -> client record: every rule a registration must satisfy (RFC 7591 §2 and §3.2.2, RFC 7592
// §2.2, OIDC Registration §2), shared by dynamic registration (src/routes/register.ts, admin: false) and the
// admin API (admin: true, which may also set the admin-only fields listed in metadata-schema.ts).
// Failures are OAuthError invalid_redirect_uri (the redirect URIs) or invalid_client_metadata (anything else).
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { invalidClientMetadata, invalidRedirectUri } from "../errors";
import { randomToken } from "../lib/crypto";
import { assertionAlgorithms, isAssertionMethod } from "./auth-methods";
import { publicJwk, type PublicJwk } from "./keys";
import { secretMatches } from "./secrets";
import { ADMIN_ONLY_FIELDS, AdminFields, ClientMetadata } from "./metadata-schema";
import {
  backchannelLogoutUriProblem,
  fetchedUriProblem,
  redirectUriProblem,
  requestTimeUriProblem,
  webUriProblem,
} from "./redirect-uris";
import { isLoopback } from "../lib/urls";
import { sectorOf, verifiedSector, type SectorFields } from "./sector";
import { ClientRecord, GrantType, type Client, type ClientInput } from "./schema";
import { webOriginProblem } from "./cors-origins";
import { issueClientSecret, needsRecoverableSecret, usesSecret } from "./secrets";

export interface ClientFromMetadataOptions {
  /** The client_id to use (admin create, or update); a new random one when absent and not updating. */
  clientId?: string;
  /** An administrator may set the admin-only fields; dynamic registration may not. */
  admin: boolean;
  /** Update (RFC 7592 §2.2, admin PUT): the record being replaced. */
  existing?: Client;
}

/** The scopes a client gets when it registers none (RFC 7591 §2: the server MAY pick a default). */
const DEFAULT_SCOPE = ["openid", "profile", "email", "address", "phone", "offline_access"];
/** Client ids an administrator may choose: safe in KV keys, Durable Object names and Basic credentials. */
const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * Validates client metadata and builds the record to store. Returns the new client secret when one was
 * generated (shown once); an update keeps the current secret unless the new metadata needs another.
 */
export async function clientFromMetadata(
  env: Env,
  metadata: unknown,
  options: ClientFromMetadataOptions,
): Promise<{ client: ClientInput; secret: string | undefined }> {
  const input = jsonObject(metadata);
  if (!options.admin) refuseAdminFields(input);
  const request = parseMetadata(input);
  const clientId = resolveClientId(request.client_id, options);
  checkRedirectUris(request);
  const grants = checkGrants(request);
  checkAuthMethod(request, grants.grant_types);
  const localProvider = isLoopback(new URL(env.ISSUER));
  const jwks = checkKeys(request, localProvider);
  checkBackchannelLogoutUri(request, localProvider);
  checkEncryption(request);
  checkRequestObjectAlg(request);
  checkRequestUris(request, localProvider);
  checkMetadataUris(request);
  checkCorsOrigins(request);
  const admin = adminFields(input, options);
  const sector = await sectorFor(request, admin, options, localProvider);
  checkSubjectType(request, sector);
  // An update that omits scope keeps the client's scopes (RFC 7591 §2 lets the server choose the default).
  const scope = checkScope(request.scope ?? options.existing?.scope);
  if (!options.admin) checkSelfService(grants.grant_types, scope, request.subject_type, options.existing);
  if (!options.admin && options.existing) {
    checkSectorKept(
      { client_id: clientId, redirect_uris: request.redirect_uris, sector_identifier: sector },
      options.existing,
    );
  }
  await checkPresentedSecret(request.client_secret, options.existing);
  const { secret, fields } = await secretFor(env, request, options.existing);
  const client: ClientInput = {
    v: 1,
    client_id: clientId,
    client_id_issued_at: options.existing?.client_id_issued_at ?? nowSeconds(),
    ...fields,
    registration_access_token_hash: options.existing?.registration_access_token_hash,
    ...registrable(request),
    ...grants,
    jwks,
    scope,
    ...admin,
    sector_identifier: sector,
  };
  return { client: validated(client), secret };
}

/** The registered metadata as RFC 7591 §3.2.1 returns it: no hashes, no admin-only fields. */
export function registeredMetadata(client: Client) {
  return {
    client_id: client.client_id,
    client_id_issued_at: client.client_id_issued_at,
    client_name: client.client_name,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    backchannel_logout_uri: client.backchannel_logout_uri,
    backchannel_logout_session_required: client.backchannel_logout_session_required,
    grant_types: client.grant_types,
    response_types: client.response_types,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    token_endpoint_auth_signing_alg: client.token_endpoint_auth_signing_alg,
    scope: client.scope,
    application_type: client.application_type,
    jwks: client.jwks,
    jwks_uri: client.jwks_uri,
    contacts: client.contacts,
    client_uri: client.client_uri,
    logo_uri: client.logo_uri,
    policy_uri: client.policy_uri,
    tos_uri: client.tos_uri,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    id_token_encrypted_response_alg: client.id_token_encrypted_response_alg,
    id_token_encrypted_response_enc: client.id_token_encrypted_response_enc,
    userinfo_signed_response_alg: client.userinfo_signed_response_alg,
    userinfo_encrypted_response_alg: client.userinfo_encrypted_response_alg,
    userinfo_encrypted_response_enc: client.userinfo_encrypted_response_enc,
    subject_type: client.subject_type,
    sector_identifier_uri: client.sector_identifier_uri,
    access_token_format: client.access_token_format,
    allowed_cors_origins: client.allowed_cors_origins,
    dpop_bound_access_tokens: client.dpop_bound_access_tokens,
    require_pushed_authorization_requests: client.require_pushed_authorization_requests,
    require_mfa: client.require_mfa,
    default_acr_values: client.default_acr_values,
    request_object_signing_alg: client.request_object_signing_alg,
    request_uris: client.request_uris,
    // RFC 7591 §3.2.1: REQUIRED when a client_secret was issued; 0 means it does not expire.
    ...(usesSecret(client) ? { client_secret_expires_at: 0 } : {}),
  };
}

/** A JSON object, or undefined (valibot's record alone would turn an array into an object). */
function asJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return undefined;
  const parsed = v.safeParse(v.record(v.string(), v.unknown()), value);
  return parsed.success ? parsed.output : undefined;
}

function jsonObject(metadata: unknown): Record<string, unknown> {
  const object = asJsonObject(metadata);
  if (!object) throw invalidClientMetadata("the client metadata must be a JSON object");
  return object;
}

function refuseAdminFields(input: Record<string, unknown>): void {
  const field = ADMIN_ONLY_FIELDS.find((name) => name in input);
  if (field !== undefined) throw invalidClientMetadata(`${field} can only be set by an administrator`);
}

function parseMetadata(input: Record<string, unknown>): ClientMetadata {
  const parsed = v.safeParse(ClientMetadata, input);
  if (!parsed.success) throw invalidClientMetadata(issueText(parsed.issues));
  return parsed.output;
}

function issueText(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
  const [issue] = issues;
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}

function resolveClientId(requested: string | undefined, options: ClientFromMetadataOptions): string {
  const assigned = options.clientId ?? options.existing?.client_id;
  if (requested !== undefined && assigned === undefined)
    throw invalidClientMetadata("client_id is assigned by the server");
  // RFC 7592 §2.2: the client_id in an update "MUST be the same as its currently issued client identifier".
  if (requested !== undefined && requested !== assigned)
    throw invalidClientMetadata("client_id does not match the client");
  if (assigned === undefined) return randomToken(16);
  if (!CLIENT_ID_PATTERN.test(assigned))
    throw invalidClientMetadata("client_id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -");
  return assigned;
}

/** RFC 7591 §3.2.2 invalid_redirect_uri: "The value of one or more redirection URIs is invalid." */
function checkRedirectUris(request: ClientMetadata): void {
  for (const uri of request.redirect_uris) {
    const problem = redirectUriProblem(uri, request.application_type);
    if (problem) throw invalidRedirectUri(`redirect_uri ${uri} ${problem}`);
  }
  for (const uri of request.post_logout_redirect_uris) {
    const problem = redirectUriProblem(uri, request.application_type);
    if (problem) throw invalidClientMetadata(`post_logout_redirect_uri ${uri} ${problem}`);
  }
}

function checkGrants(request: ClientMetadata): Pick<ClientInput, "grant_types" | "response_types"> {
  const grantTypes = unique(request.grant_types).map((grant) => {
    const parsed = v.safeParse(GrantType, grant);
    if (!parsed.success) throw invalidClientMetadata(`grant type ${grant} is not supported`);
    return parsed.output;
  });
  const usesCode = grantTypes.includes("authorization_code");
  const responseTypes = unique(request.response_types ?? (usesCode ? ["code"] : [])).map((type) => {
    if (type !== "code") throw invalidClientMetadata(`response type ${type} is not supported`);
    return "code" as const;
  });
  // RFC 7591 §2.1: response type "code" goes with grant type "authorization_code", and the other way round.
  if (responseTypes.includes("code") !== usesCode) {
    throw invalidClientMetadata(
      "response_types code and grant_types authorization_code go together (RFC 7591 section 2.1)",
    );
  }
  // OIDC Registration §2 / RFC 6749 §3.1.2.2: redirect-based flows need registered redirect URIs.
  if (usesCode && request.redirect_uris.length === 0) {
    throw invalidRedirectUri("the authorization_code grant needs at least one redirect_uri");
  }
  return { grant_types: grantTypes, response_types: responseTypes };
}

function checkAuthMethod(request: ClientMetadata, grantTypes: readonly string[]): void {
  const method = request.token_endpoint_auth_method;
  if (method === "none") {
    // A public client cannot authenticate (RFC 6749 §2.1): "The client credentials grant type MUST only be used
    // by confidential clients" (§4.4); the password grant is refused to it too (RFC 9700 §2.4). Public clients
    // get authorization codes only with PKCE, which the provider requires of them anyway (RFC 9700 §2.1.1).
    const refused = grantTypes.filter((grant) => grant === "client_credentials" || grant === "password");
    if (refused.length > 0)
      throw invalidClientMetadata(`a public client (auth method none) cannot use ${refused.join(", ")}`);
    // OIDC Core §10.1: HS256 ID tokens are keyed with the client secret, which a public client does not have.
    if (request.id_token_signed_response_alg === "HS256")
      throw invalidClientMetadata("HS256 ID tokens need a confidential client");
  }
  const alg = request.token_endpoint_auth_signing_alg;
  if (alg === undefined) return;
  if (!isAssertionMethod(method)) {
    throw invalidClientMetadata(
      "token_endpoint_auth_signing_alg applies only to client_secret_jwt and private_key_jwt",
    );
  }
  // OIDC Registration §2: "The value none MUST NOT be used." Our allow-list never contains it.
  const allowed: readonly string[] = assertionAlgorithms[method];
  if (!allowed.includes(alg))
    throw invalidClientMetadata(`token_endpoint_auth_signing_alg for ${method} must be one of ${allowed.join(", ")}`);
}

function checkBackchannelLogoutUri(request: ClientMetadata, localProvider: boolean): void {
  if (request.backchannel_logout_uri === undefined) return;
  const problem = backchannelLogoutUriProblem(request.backchannel_logout_uri, localProvider);
  if (problem) throw invalidClientMetadata(`backchannel_logout_uri ${problem}`);
}

/** Returns the keys as stored: public members only. */
function checkKeys(request: ClientMetadata, localProvider: boolean): { keys: PublicJwk[] } | undefined {
  // RFC 7591 §2: "The jwks_uri and jwks parameters MUST NOT both be present in the same request or response."
  if (request.jwks && request.jwks_uri !== undefined)
    throw invalidClientMetadata("jwks and jwks_uri must not both be present");
  if (request.token_endpoint_auth_method === "private_key_jwt" && !request.jwks && request.jwks_uri === undefined) {
    throw invalidClientMetadata("private_key_jwt needs jwks or jwks_uri");
  }
  if (request.jwks_uri !== undefined) {
    const problem = fetchedUriProblem(request.jwks_uri, localProvider);
    if (problem) throw invalidClientMetadata(`jwks_uri ${problem}`);
  }
  if (!request.jwks) return undefined;
  const keys = request.jwks.keys.map((key) => {
    const parsed = publicJwk(key);
    if (!parsed.ok) throw invalidClientMetadata(`jwks: ${parsed.problem}`);
    return parsed.key;
  });
  return { keys };
}

/** OIDC Registration §2 *_encrypted_response_alg / _enc. */
function checkEncryption(request: ClientMetadata): void {
  const pairs = [
    ["id_token", request.id_token_encrypted_response_alg, request.id_token_encrypted_response_enc],
    ["userinfo", request.userinfo_encrypted_response_alg, request.userinfo_encrypted_response_enc],
  ] as const;
  for (const [what, alg, enc] of pairs) {
    // "If ..._enc is included, ..._alg MUST also be provided."
    if (enc !== undefined && alg === undefined)
      throw invalidClientMetadata(`${what}_encrypted_response_enc needs ${what}_encrypted_response_alg`);
    if (alg === undefined) continue;
    // The registration default for _enc is A128CBC-HS256, which we do not offer: the client must name A256GCM.
    if (enc === undefined) throw invalidClientMetadata(`${what}_encrypted_response_enc is required (A256GCM)`);
    if (!request.jwks && request.jwks_uri === undefined)
      throw invalidClientMetadata(`${what} encryption needs jwks or jwks_uri`);
  }
}

/** Request objects (RFC 9101) are verified with the client's keys, by one of the asymmetric algorithms we support. */
function checkRequestObjectAlg(request: ClientMetadata): void {
  const alg = request.request_object_signing_alg;
  if (alg === undefined) return;
  const allowed: readonly string[] = config.requestObjects.signingAlgorithms;
  // OIDC Registration §2 allows `none`; we accept signed request objects only, and no MAC.
  if (!allowed.includes(alg)) {
    throw invalidClientMetadata(`request_object_signing_alg must be one of ${allowed.join(", ")}`);
  }
  if (!request.jwks && request.jwks_uri === undefined)
    throw invalidClientMetadata("request_object_signing_alg needs jwks or jwks_uri");
}

/** Request objects fetched from a registered request_uri are verified like any other: they need the client's keys. */
function checkRequestUris(request: ClientMetadata, localProvider: boolean): void {
  if (request.request_uris === undefined) return;
  for (const uri of request.request_uris) {
    const problem = requestTimeUriProblem(uri, localProvider);
    if (problem) throw invalidClientMetadata(`request_uris ${uri} ${problem}`);
  }
  if (!request.jwks && request.jwks_uri === undefined)
    throw invalidClientMetadata("request_uris needs jwks or jwks_uri");
}

function checkMetadataUris(request: ClientMetadata): void {
  const uris = {
    client_uri: request.client_uri,
    logo_uri: request.logo_uri,
    policy_uri: request.policy_uri,
    tos_uri: request.tos_uri,
  };
  for (const [name, uri] of Object.entries(uris)) {
    const problem = uri === undefined ? undefined : webUriProblem(uri);
    if (problem) throw invalidClientMetadata(`${name} ${problem}`);
  }
}

/** Each origin exactly as a browser's Origin header would carry it (src/clients/cors-origins.ts). */
function checkCorsOrigins(request: ClientMetadata): void {
  for (const origin of request.allowed_cors_origins ?? []) {
    const problem = webOriginProblem(origin);
    if (problem) throw invalidClientMetadata(`allowed_cors_origins ${origin} ${problem}`);
  }
}

/** Admin-only fields: from the request for an administrator, kept from the current record otherwise. */
function adminFields(input: Record<string, unknown>, options: ClientFromMetadataOptions): Partial<AdminFields> {
  if (!options.admin) return options.existing ? v.parse(AdminFields, options.existing) : {};
  const parsed = v.safeParse(AdminFields, input);
  if (!parsed.success) throw invalidClientMetadata(issueText(parsed.issues));
  return parsed.output;
}

/**
 * The sector_identifier to store (src/clients/sector.ts). OIDC Registration §5: a sector_identifier_uri is fetched
 * and "The values registered in redirect_uris MUST be included in the elements of the array"; its host is the
 * sector. An administrator may name one outright. A self-service registration or update derives it again from what
 * it carries: an administrator's sector is kept only while the redirect URIs stay among those it was given for
 * (OIDC Core §8.1: it vouched for those), and otherwise nothing is stored: the sector is the redirect URIs' host.
 */
async function sectorFor(
  request: ClientMetadata,
  admin: Partial<AdminFields>,
  options: ClientFromMetadataOptions,
  localProvider: boolean,
): Promise<string | undefined> {
  if (request.sector_identifier_uri !== undefined)
    return verifiedSector(request.sector_identifier_uri, request.redirect_uris, localProvider);
  if (options.admin) return admin.sector_identifier;
  const existing = options.existing;
  // A sector stored with a sector_identifier_uri came from that document, which this request no longer names.
  if (existing?.sector_identifier === undefined || existing.sector_identifier_uri !== undefined) return undefined;
  const kept = request.redirect_uris.every((uri) => existing.redirect_uris.includes(uri));
  return kept ? existing.sector_identifier : undefined;
}

/**
 * A self-service update cannot move a pairwise client to another sector. OIDC Core §8.1: the pairwise sub is a
 * function of the sector, so another sector would change every user's sub at the client, or, once a client swaps
 * the redirect URIs a sector listed for its own, let it keep receiving that sector's subs. An administrator may
 * move a client deliberately (admin API).
 */
function checkSectorKept(updated: SectorFields, existing: Client): void {
  if (existing.subject_type !== "pairwise") return;
  const [before, after] = [sectorOf(existing), sectorOf(updated)];
  // A stored client without a sector (it broke the rules) never got pairwise subs: nothing to keep.
  if (before === undefined || after === before) return;
  throw invalidClientMetadata(`the pairwise sector cannot change (from ${before} to ${after ?? "none"})`);
}

/** OIDC Core §8.1 pairwise subjects: the sector is the redirect URIs' single host unless one is configured. */
function checkSubjectType(request: ClientMetadata, sectorIdentifier: string | undefined): void {
  if (request.subject_type !== "pairwise" || sectorIdentifier !== undefined) return;
  const hosts = new Set(request.redirect_uris.map((uri) => new URL(uri).host));
  // "If the Client has not provided a value for sector_identifier_uri ... If there are multiple hostnames in the
  // registered redirect_uris, the Client MUST register a sector_identifier_uri."
  if (hosts.size > 1)
    throw invalidClientMetadata("pairwise subjects with redirect URIs on several hosts need a sector identifier");
}

/**
 * What a client may give itself without an administrator (RFC 7591 §3 leaves that policy to the server). The
 * password grant is the administrator's alone: RFC 9700 §2.4 says it MUST NOT be used, so only a legacy client an
 * administrator vouches for gets it. An RFC 7592 update may keep or narrow what the client has, never widen it: no
 * grant type or scope it did not have, and pairwise subjects stay pairwise.
 */
function checkSelfService(
  grantTypes: readonly string[],
  scope: string,
  subjectType: ClientMetadata["subject_type"],
  existing: Client | undefined,
): void {
  if (grantTypes.includes("password")) {
    throw invalidClientMetadata("the password grant can only be enabled by an administrator");
  }
  if (!existing) return;
  const addedGrants = grantTypes.filter((grant) => !existing.grant_types.some((had) => had === grant));
  if (addedGrants.length > 0) throw invalidClientMetadata(`an update cannot add grant types: ${addedGrants.join(" ")}`);
  const had = new Set(existing.scope.split(" "));
  const addedScopes = scope.split(" ").filter((s) => s !== "" && !had.has(s));
  if (addedScopes.length > 0) throw invalidClientMetadata(`an update cannot add scopes: ${addedScopes.join(" ")}`);
  if (existing.subject_type === "pairwise" && subjectType !== "pairwise") {
    throw invalidClientMetadata("an update cannot turn pairwise subjects into public ones");
  }
}

/** RFC 7592 §2.2: a client_secret sent on update "MUST match the currently issued client secret". */
async function checkPresentedSecret(presented: string | undefined, existing: Client | undefined): Promise<void> {
  if (presented === undefined) return;
  // "The client MUST NOT be allowed to overwrite its existing client secret with its own chosen value."
  if (!existing || !(await secretMatches(existing, presented))) {
    throw invalidClientMetadata("client_secret does not match the issued secret (secrets are generated by the server)");
  }
}

/** Keeps the current secret when it still serves the new metadata; generates one only when needed. */
async function secretFor(env: Env, request: ClientMetadata, existing: Client | undefined) {
  if (!usesSecret(request)) return { secret: undefined, fields: {} };
  const hash = existing?.client_secret_hash;
  const encrypted = existing?.client_secret_encrypted;
  const recoverable = needsRecoverableSecret(request);
  if (hash !== undefined && (!recoverable || encrypted !== undefined)) {
    return {
      secret: undefined,
      fields: { client_secret_hash: hash, ...(recoverable ? { client_secret_encrypted: encrypted } : {}) },
    };
  }
  return issueClientSecret(env, request);
}

/** The registrable fields that pass through unchanged once checked. */
function registrable(request: ClientMetadata) {
  return {
    client_name: request.client_name,
    token_endpoint_auth_method: request.token_endpoint_auth_method,
    token_endpoint_auth_signing_alg: request.token_endpoint_auth_signing_alg,
    jwks_uri: request.jwks_uri,
    sector_identifier_uri: request.sector_identifier_uri,
    application_type: request.application_type,
    redirect_uris: unique(request.redirect_uris),
    post_logout_redirect_uris: unique(request.post_logout_redirect_uris),
    backchannel_logout_uri: request.backchannel_logout_uri,
    backchannel_logout_session_required: request.backchannel_logout_session_required,
    contacts: request.contacts,
    client_uri: request.client_uri,
    logo_uri: request.logo_uri,
    policy_uri: request.policy_uri,
    tos_uri: request.tos_uri,
    id_token_signed_response_alg: request.id_token_signed_response_alg,
    id_token_encrypted_response_alg: request.id_token_encrypted_response_alg,
    id_token_encrypted_response_enc: request.id_token_encrypted_response_enc,
    userinfo_signed_response_alg: request.userinfo_signed_response_alg,
    userinfo_encrypted_response_alg: request.userinfo_encrypted_response_alg,
    userinfo_encrypted_response_enc: request.userinfo_encrypted_response_enc,
    subject_type: request.subject_type,
    access_token_format: request.access_token_format,
    allowed_cors_origins: request.allowed_cors_origins && unique(request.allowed_cors_origins),
    dpop_bound_access_tokens: request.dpop_bound_access_tokens,
    require_pushed_authorization_requests: request.require_pushed_authorization_requests,
    require_mfa: request.require_mfa,
    default_acr_values: request.default_acr_values && unique(request.default_acr_values),
    request_object_signing_alg: request.request_object_signing_alg,
    request_uris: request.request_uris && unique(request.request_uris),
  };
}

/** The requested scopes, each one the provider knows (config.scopes); the default set when none. */
function checkScope(scope: string | undefined): string {
  if (scope === undefined) return DEFAULT_SCOPE.join(" ");
  const known = new Set<string>(config.scopes);
  const requested = unique(scope.split(" ").filter(Boolean));
  const unknown = requested.filter((s) => !known.has(s));
  if (unknown.length > 0) throw invalidClientMetadata(`unknown scope: ${unknown.join(" ")}`);
  return requested.join(" ");
}

/** The assembled record must parse as a stored client (it will be parsed again on every read). */
function validated(client: ClientInput): ClientInput {
  const parsed = v.safeParse(ClientRecord, client);
  if (!parsed.success) throw invalidClientMetadata(issueText(parsed.issues));
  return client;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
