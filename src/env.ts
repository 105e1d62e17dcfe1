// Typed Worker bindings and Hono context variables.
import type { AccountObject } from "./durable/account";
import type { AssertionReplay } from "./durable/assertion-replay";
import type { ClientState } from "./durable/client-state";
import type { Grant } from "./durable/grant";
import type { KeyManager } from "./durable/key-manager";
import type { Limiter } from "./durable/limiter";
import type { PushedRequest } from "./durable/pushed-request";

export interface Env {
  /** Client registry (schema-validated JSON records, secrets stored as hashes). */
  CLIENTS: KVNamespace;
  /** Signing keys: public JWKS plus private JWKs encrypted at rest. */
  KEYS: KVNamespace;
  /** Built-in user store and remembered consents. */
  USERS: KVNamespace;
  /** One Durable Object per authorization grant with a user. */
  GRANT: DurableObjectNamespace<Grant>;
  /** Per user: sessions, consents and the user's grants (src/durable/account.ts). */
  ACCOUNT: DurableObjectNamespace<AccountObject>;
  /** Per client, sharded: opaque client_credentials tokens, revoked JWTs, the client's grants. */
  CLIENT_STATE: DurableObjectNamespace<ClientState>;
  /** Failed-login throttle, one object per username. */
  LIMITER: DurableObjectNamespace<Limiter>;
  /** Singleton that serialises key generation and rotation. */
  KEY_MANAGER: DurableObjectNamespace<KeyManager>;
  /**
   * Single-use JWTs: client assertions (private_key_jwt, client_secret_jwt), one object per client_id:jti, and DPoP
   * proofs, one per key thumbprint and jti.
   */
  ASSERTION_REPLAY: DurableObjectNamespace<AssertionReplay>;
  /** Pushed authorization requests (RFC 9126), one object per request_uri, deleted when used or expired. */
  PUSHED_REQUEST: DurableObjectNamespace<PushedRequest>;
  /** Issuer identifier, e.g. https://auth.example.com (no trailing slash). */
  ISSUER: string;
  /** Secret from which the key-encryption key for private signing keys is derived. */
  KEY_ENCRYPTION_SECRET: string;
  /** Secret from which the session/interaction MAC key is derived. */
  SESSION_SECRET: string;
  /** Bearer token for the admin API. */
  ADMIN_TOKEN?: string;
  /** Where passwords are checked: "kv" (default, the USERS store) or "url" (the external AUTH_URL). */
  USER_BACKEND?: string;
  /** The external authentication URL (https; http only on loopback), called with HTTP Basic credentials. */
  AUTH_URL?: string;
  /** "true": every authorization request must come through the PAR endpoint (RFC 9126 §5, §6). */
  REQUIRE_PAR?: string;
  /** "true": every sign-in needs two factors, whatever the client asks (docs/sign-in.md). */
  REQUIRE_MFA?: string;
  /** "true" only in local development: seed the demo data (README). */
  DEMO_SEED?: string;
  /** "off" turns DPoP server nonces off (RFC 9449 §8, docs/dpop.md); they are on otherwise. */
  DPOP_NONCE?: string;
  /** The provider's name on the pages (docs/pages-and-branding.md); read per request, so no rebuild is needed. */
  BRAND_NAME?: string;
  /** The logo shown above the pages: an https URL (http only on loopback). */
  BRAND_LOGO_URL?: string;
  /** Buttons, links and focus outlines, as #rrggbb. */
  BRAND_PRIMARY_COLOR?: string;
  /** The page background around the card, as #rrggbb. */
  BRAND_BACKGROUND_COLOR?: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The request's Origin once it is known to be registered for the request's client (src/http/cors.ts). */
    corsOrigin?: string;
  };
}
