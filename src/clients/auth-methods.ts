// The client authentication methods we support and, for the JWT-based ones (RFC 7523 §2.2, OIDC Core §9), the
// signature algorithms each accepts: one table, read by verification, registration and discovery alike.
import type { TokenEndpointAuthMethod } from "./schema";

export type AssertionMethod = Extract<TokenEndpointAuthMethod, "client_secret_jwt" | "private_key_jwt">;

/**
 * Allowed `alg` per assertion method. OIDC Core §9: client_secret_jwt is an HMAC over the client secret,
 * private_key_jwt a signature with a key the client registered. `none` is never accepted (RFC 7523 §3 item 9:
 * "The JWT MUST be digitally signed or have a Message Authentication Code applied").
 */
export const assertionAlgorithms = {
  client_secret_jwt: ["HS256"],
  private_key_jwt: ["RS256", "PS256", "ES256", "EdDSA"],
} as const satisfies Record<AssertionMethod, readonly string[]>;

export function isAssertionMethod(method: TokenEndpointAuthMethod): method is AssertionMethod {
  return method === "client_secret_jwt" || method === "private_key_jwt";
}

/** Every method a client may register for the token endpoint (RFC 7591 §2 token_endpoint_auth_method). */
export const tokenEndpointAuthMethods: readonly TokenEndpointAuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
  "none",
];

/** RFC 7662 §2.1: introspection requires an authenticated client, so `none` does not qualify there. */
export const introspectionAuthMethods = tokenEndpointAuthMethods.filter((method) => method !== "none");

/** Every `alg` any assertion method accepts, for discovery's *_auth_signing_alg_values_supported. */
export const assertionSigningAlgorithms: readonly string[] = [
  ...assertionAlgorithms.client_secret_jwt,
  ...assertionAlgorithms.private_key_jwt,
];
