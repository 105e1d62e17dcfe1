// The stored client record (KV CLIENTS, key `client:<client_id>`), parsed on every read.
import * as v from "valibot";
import { config } from "../config";

export const TokenEndpointAuthMethod = v.picklist(["client_secret_basic", "client_secret_post", "none"]);
export type TokenEndpointAuthMethod = v.InferOutput<typeof TokenEndpointAuthMethod>;

export const GrantType = v.picklist(["authorization_code", "refresh_token", "client_credentials", "password"]);

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
});
export type Client = v.InferOutput<typeof ClientRecord>;

export const clientKey = (clientId: string) => `client:${clientId}`;

export function isPublicClient(client: Client): boolean {
  return client.token_endpoint_auth_method === "none";
}
