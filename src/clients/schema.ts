// The stored client record (KV CLIENTS, key `client:<client_id>`), parsed on every read. Field names follow
// RFC 7591 §2 client metadata and OIDC Dynamic Client Registration §2 where one exists.
import * as v from "valibot";
import { config } from "../config";
import { webOriginProblem } from "./cors-origins";

export const TokenEndpointAuthMethod = v.picklist([
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
  "none",
]);
export type TokenEndpointAuthMethod = v.InferOutput<typeof TokenEndpointAuthMethod>;

export const GrantType = v.picklist(["authorization_code", "refresh_token", "client_credentials", "password"]);
export type GrantType = v.InferOutput<typeof GrantType>;

/** ID-token signing: the provider's asymmetric keys, or HS256 with the client secret (OIDC Core §10.1). */
const IdTokenSigningAlg = v.picklist([...config.signingAlgorithms, "HS256"]);
type IdTokenSigningAlg = v.InferOutput<typeof IdTokenSigningAlg>;
/** JWE key management and content encryption for ID tokens and userinfo (OIDC Core §10.2). */
export const EncryptionAlg = v.picklist(["RSA-OAEP-256", "ECDH-ES+A256KW"]);
export const EncryptionEnc = v.picklist(["A256GCM"]);

const Seconds = v.pipe(v.number(), v.integer(), v.minValue(1));
/** Tokens signed with the provider's keys: bounded, so a retired key's retention covers them (config.keys). */
const SignedTokenSeconds = v.pipe(Seconds, v.maxValue(config.keys.maxTokenLifetimeSeconds));

/** Per-client overrides of config.lifetimes. */
const ClientLifetimes = v.object({
  accessToken: v.optional(SignedTokenSeconds),
  idToken: v.optional(SignedTokenSeconds),
  refreshTokenIdle: v.optional(Seconds),
  refreshTokenAbsolute: v.optional(Seconds),
  refreshGrace: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60))),
});
export type ClientLifetimes = v.InferOutput<typeof ClientLifetimes>;

/** Extra ID-token claims per client: static values, or claims mapped from user attributes. */
const CustomClaims = v.object({
  static: v.optional(v.record(v.string(), v.unknown()), {}),
  /** claim name in the ID token -> attribute name in the user's record. */
  mapped: v.optional(v.record(v.string(), v.string()), {}),
});

/** A serialized https (or loopback http) origin, as a browser sends it in `Origin`. */
const WebOrigin = v.pipe(
  v.string(),
  v.check((value) => webOriginProblem(value) === undefined, "not a web origin"),
);

const Jwks = v.object({ keys: v.array(v.record(v.string(), v.unknown())) });

export const ClientRecord = v.object({
  v: v.literal(1),
  client_id: v.pipe(v.string(), v.minLength(1)),
  client_name: v.optional(v.string()),
  client_id_issued_at: v.optional(v.number()),
  /** SHA-256 (base64url) of the client secret; absent for public and private_key_jwt clients. */
  client_secret_hash: v.optional(v.string()),
  /**
   * The client secret itself, encrypted at rest: kept only for clients that need it recoverable
   * (HS256 ID tokens, client_secret_jwt).
   */
  client_secret_encrypted: v.optional(v.string()),
  token_endpoint_auth_method: TokenEndpointAuthMethod,
  token_endpoint_auth_signing_alg: v.optional(v.string()),
  /** Public keys for private_key_jwt and for encrypting ID tokens / userinfo to the client. */
  jwks: v.optional(Jwks),
  jwks_uri: v.optional(v.pipe(v.string(), v.url())),
  application_type: v.optional(v.picklist(["web", "native"]), "web"),
  redirect_uris: v.array(v.pipe(v.string(), v.url())),
  post_logout_redirect_uris: v.optional(v.array(v.pipe(v.string(), v.url())), []),
  /** OIDC Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed when a session of this client ends. */
  backchannel_logout_uri: v.optional(v.pipe(v.string(), v.url())),
  /** §2.2: the client needs `sid` in logout tokens (always sent here) and ID tokens (sent for every session). */
  backchannel_logout_session_required: v.optional(v.boolean(), false),
  grant_types: v.array(GrantType),
  response_types: v.array(v.literal("code")),
  /** Space-separated scopes the client may request. */
  scope: v.string(),
  contacts: v.optional(v.array(v.string())),
  client_uri: v.optional(v.string()),
  logo_uri: v.optional(v.string()),
  policy_uri: v.optional(v.string()),
  tos_uri: v.optional(v.string()),
  id_token_signed_response_alg: v.optional(IdTokenSigningAlg, "RS256"),
  id_token_encrypted_response_alg: v.optional(EncryptionAlg),
  id_token_encrypted_response_enc: v.optional(EncryptionEnc),
  /** Absent: userinfo answers plain JSON (OIDC Core §5.3.2). */
  userinfo_signed_response_alg: v.optional(v.picklist(config.signingAlgorithms)),
  userinfo_encrypted_response_alg: v.optional(EncryptionAlg),
  userinfo_encrypted_response_enc: v.optional(EncryptionEnc),
  /** OIDC Core §8: public subjects, or pairwise per sector identifier. */
  subject_type: v.optional(v.picklist(["public", "pairwise"]), "public"),
  /**
   * The host whose clients share pairwise subjects (OIDC Core §8.1): an administrator's, or the host of a verified
   * sector_identifier_uri; absent, the redirect URIs' host (src/clients/sector.ts).
   */
  sector_identifier: v.optional(v.string()),
  /** OIDC Registration §2: the document that listed this client's redirect URIs when it joined its sector. */
  sector_identifier_uri: v.optional(v.string()),
  custom_claims: v.optional(CustomClaims, {}),
  /** Every sign-in for this client needs two factors (acr urn:edge-oidc:acr:mfa), docs/sign-in.md. */
  require_mfa: v.optional(v.boolean(), false),
  /** OIDC Registration §2: the acr values requested when a request names none. */
  default_acr_values: v.optional(v.array(v.string())),
  /** First-party clients skip the consent page. */
  skip_consent: v.optional(v.boolean(), false),
  /** Access tokens by value (RFC 9068 JWT) or by reference (opaque, resolved through introspection). */
  access_token_format: v.optional(v.picklist(["jwt", "opaque"]), "jwt"),
  /** Issue a refresh token even without offline_access (when the client has the refresh_token grant). */
  always_issue_refresh_token: v.optional(v.boolean(), false),
  /**
   * A resource server: the API identifier (`aud`) it serves. It may introspect access tokens meant for it
   * (RFC 7662 §2.2/§4: "not allowed to introspect this particular token" means active:false), not others.
   */
  resource_server: v.optional(v.pipe(v.string(), v.minLength(1))),
  lifetimes: v.optional(ClientLifetimes, {}),
  /** RFC 7592: SHA-256 of the registration access token of a dynamically registered client. */
  registration_access_token_hash: v.optional(v.string()),
  /**
   * Web origins whose browser apps may call /token, /userinfo and /revoke (CORS). Absent: a public client's
   * redirect URI origins, none for a confidential client (src/clients/cors-origins.ts).
   */
  allowed_cors_origins: v.optional(v.array(WebOrigin)),
  /** RFC 9449 §5.2: every token request of this client must carry a DPoP proof (sender-constrained tokens only). */
  dpop_bound_access_tokens: v.optional(v.boolean(), false),
  /** RFC 9126 §6: authorization requests of this client must come through the PAR endpoint. */
  require_pushed_authorization_requests: v.optional(v.boolean(), false),
  /**
   * RFC 9101 §10.1 / OIDC Registration §2: the JWS algorithm of this client's request objects; every request object
   * must use it. Absent: any asymmetric algorithm of request_object_signing_alg_values_supported.
   */
  request_object_signing_alg: v.optional(v.string()),
  /**
   * RFC 9101 §5.2, OIDC Registration §2: where this client's request objects may be fetched from (request_uri by
   * reference); no other URL is ever fetched for a request_uri.
   */
  request_uris: v.optional(v.array(v.pipe(v.string(), v.url()))),
});
export type Client = v.InferOutput<typeof ClientRecord>;
export type ClientInput = v.InferInput<typeof ClientRecord>;

export function isPublicClient(client: Client): boolean {
  return client.token_endpoint_auth_method === "none";
}

export function allowedScopes(client: Client): Set<string> {
  return new Set(client.scope.split(" ").filter(Boolean));
}

/** A lifetime for this client: its override, else the provider default. */
export function lifetime(client: Client, name: keyof ClientLifetimes): number {
  return client.lifetimes[name] ?? config.lifetimes[name];
}
