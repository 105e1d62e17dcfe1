// The stored client record (KV CLIENTS, key `client:<client_id>`), parsed on every read.
import * as v from "valibot";
import { config } from "../config";

export const TokenEndpointAuthMethod = v.picklist(["client_secret_basic", "client_secret_post", "none"]);
export type TokenEndpointAuthMethod = v.InferOutput<typeof TokenEndpointAuthMethod>;

export const GrantType = v.picklist(["authorization_code", "refresh_token", "client_credentials", "password"]);
export type GrantType = v.InferOutput<typeof GrantType>;

const Seconds = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Per-client overrides of config.lifetimes. */
const ClientLifetimes = v.object({
  accessToken: v.optional(Seconds),
  idToken: v.optional(Seconds),
  refreshTokenIdle: v.optional(Seconds),
  refreshTokenAbsolute: v.optional(Seconds),
  refreshGrace: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60))),
});
export type ClientLifetimes = v.InferOutput<typeof ClientLifetimes>;

export const ClientRecord = v.object({
  v: v.literal(1),
  client_id: v.pipe(v.string(), v.minLength(1)),
  client_name: v.optional(v.string()),
  /** SHA-256 (base64url) of the client secret; absent for public clients. */
  client_secret_hash: v.optional(v.string()),
  token_endpoint_auth_method: TokenEndpointAuthMethod,
  redirect_uris: v.array(v.pipe(v.string(), v.url())),
  grant_types: v.array(GrantType),
  response_types: v.array(v.literal("code")),
  /** Space-separated scopes the client may request. */
  scope: v.string(),
  id_token_signed_response_alg: v.optional(v.picklist(config.signingAlgorithms), "RS256"),
  /** First-party clients skip the consent page. */
  skip_consent: v.optional(v.boolean(), false),
  /** Access tokens by value (RFC 9068 JWT) or by reference (opaque, resolved through introspection). */
  access_token_format: v.optional(v.picklist(["jwt", "opaque"]), "jwt"),
  /** Issue a refresh token even without offline_access (when the client has the refresh_token grant). */
  always_issue_refresh_token: v.optional(v.boolean(), false),
  /** A resource server: may introspect any token (RFC 7662 §4), not only its own. */
  resource_server: v.optional(v.boolean(), false),
  lifetimes: v.optional(ClientLifetimes, {}),
});
export type Client = v.InferOutput<typeof ClientRecord>;
export type ClientInput = v.InferInput<typeof ClientRecord>;

export const clientKey = (clientId: string) => `client:${clientId}`;

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
