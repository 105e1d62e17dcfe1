// OpenID Connect Discovery 1.0 §3 and RFC 8414 §2: the provider's metadata. Cacheable.
import { ACR_VALUES_SUPPORTED } from "../authorization/acr";
import { Hono, type Context } from "hono";
import { EncryptionAlg, EncryptionEnc } from "../clients/schema";
import {
  assertionSigningAlgorithms,
  introspectionAuthMethods,
  tokenEndpointAuthMethods,
} from "../clients/auth-methods";
import { allScopeClaims, config } from "../config";
import type { AppEnv, Env } from "../env";
import { publicCors } from "../http/cors";
import { parRequiredForAll } from "../authorization/request";

export const discovery = new Hono<AppEnv>();

function metadata(env: Env) {
  const issuer = env.ISSUER;
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    introspection_endpoint: `${issuer}/introspect`,
    revocation_endpoint: `${issuer}/revoke`,
    // RFC 7591 §3 (behind an initial access token) and RFC 7592 client management.
    registration_endpoint: `${issuer}/register`,
    // OpenID Connect RP-Initiated Logout 1.0 §2.1 and Back-Channel Logout 1.0 §2.1 (src/routes/logout.ts).
    end_session_endpoint: `${issuer}/logout`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "password"],
    // OIDC Core §8: public subjects, or pairwise per sector identifier (src/tokens/subject.ts).
    subject_types_supported: ["public", "pairwise"],
    // OIDC Discovery §3; docs/sign-in.md: the second means two factors, and asking for it steps the user up.
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    // OIDC Discovery §3: RS256 MUST be included (it stays first, the default); HS256 signs with the client secret.
    id_token_signing_alg_values_supported: [...config.signingAlgorithms, "HS256"],
    id_token_encryption_alg_values_supported: [...EncryptionAlg.options],
    id_token_encryption_enc_values_supported: [...EncryptionEnc.options],
    userinfo_signing_alg_values_supported: [...config.signingAlgorithms],
    userinfo_encryption_alg_values_supported: [...EncryptionAlg.options],
    userinfo_encryption_enc_values_supported: [...EncryptionEnc.options],
    scopes_supported: [...config.scopes],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "nonce",
      "at_hash",
      "azp",
      "amr",
      "acr",
      ...allScopeClaims(),
    ],
    claims_parameter_supported: true,
    // RFC 9101 (docs/par-and-jar.md): signed request objects by value, or by reference from PAR or from a
    // request_uri the client registered (OIDC Discovery §3 require_request_uri_registration).
    request_parameter_supported: true,
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    request_object_signing_alg_values_supported: [...config.requestObjects.signingAlgorithms],
    // RFC 9126 §5: the PAR endpoint, and whether every client must use it (the deployment's REQUIRE_PAR).
    pushed_authorization_request_endpoint: `${issuer}/par`,
    require_pushed_authorization_requests: parRequiredForAll(env),
    // Client authentication (src/clients/auth-methods.ts): the same methods and JWT algorithms at each endpoint,
    // except that introspection needs an authenticated client (RFC 7662 §2.1).
    token_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    token_endpoint_auth_signing_alg_values_supported: [...assertionSigningAlgorithms],
    introspection_endpoint_auth_methods_supported: [...introspectionAuthMethods],
    introspection_endpoint_auth_signing_alg_values_supported: [...assertionSigningAlgorithms],
    revocation_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    revocation_endpoint_auth_signing_alg_values_supported: [...assertionSigningAlgorithms],
    introspection_signing_alg_values_supported: [config.introspectionSigningAlg],
    code_challenge_methods_supported: ["S256"],
    // RFC 9449 §5.1: the algorithms a DPoP proof may use (src/tokens/dpop.ts).
    dpop_signing_alg_values_supported: [...config.dpop.signingAlgorithms],
    prompt_values_supported: ["none", "login", "consent", "select_account"],
    authorization_response_iss_parameter_supported: true,
    // OIDC Discovery §3: the languages of the pages (ui_locales, OIDC Core §3.1.2.1).
    ui_locales_supported: [...config.locales],
  };
}

// Never longer than a new signing key waits before it signs (config.keys).
const CACHE = `public, max-age=${config.keys.jwksMaxAgeSeconds}`;

/** The document is the same for every request of an isolate (it depends on the issuer, REQUIRE_PAR and config). */
let serialized: { key: string; body: string } | undefined;

function metadataJson(env: Env): string {
  const key = `${env.ISSUER} ${env.REQUIRE_PAR ?? ""}`;
  if (serialized?.key !== key) serialized = { key, body: JSON.stringify(metadata(env)) };
  return serialized.body;
}

const answer = (c: Context<AppEnv>) =>
  c.body(metadataJson(c.env), 200, { "Cache-Control": CACHE, "Content-Type": "application/json" });

// Public metadata: any origin may read it (src/http/cors.ts), so that a browser app can discover the provider.
for (const path of ["/openid-configuration", "/oauth-authorization-server"]) {
  discovery.use(path, publicCors());
  discovery.get(path, answer);
}
