// OpenID Connect Discovery 1.0 §3 and RFC 8414 §2: the provider's metadata. Cacheable.
import { Hono } from "hono";
import { allScopeClaims, config } from "../config";
import type { AppEnv, Env } from "../env";

export const discovery = new Hono<AppEnv>();

export function metadata(env: Env) {
  const issuer = env.ISSUER;
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    introspection_endpoint: `${issuer}/introspect`,
    revocation_endpoint: `${issuer}/revoke`,
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "password"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [...config.signingAlgorithms],
    scopes_supported: [...config.scopes],
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "amr", "acr", ...allScopeClaims()],
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_signing_alg_values_supported: [config.introspectionSigningAlg],
    code_challenge_methods_supported: ["S256"],
    prompt_values_supported: ["none", "login", "consent", "select_account"],
    authorization_response_iss_parameter_supported: true,
    ui_locales_supported: ["en"],
  };
}

const CACHE = "public, max-age=300";

discovery.get("/openid-configuration", (c) => {
  c.header("Cache-Control", CACHE);
  return c.json(metadata(c.env));
});

discovery.get("/oauth-authorization-server", (c) => {
  c.header("Cache-Control", CACHE);
  return c.json(metadata(c.env));
});
