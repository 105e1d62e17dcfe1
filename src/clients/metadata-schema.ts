// The client metadata a registration request may carry (RFC 7591 §2, OIDC Registration §2), as a valibot
// schema: types and sizes here, the rules between fields in metadata.ts. Unknown members are dropped, as
// RFC 7591 §2 requires ("The authorization server MUST ignore any client metadata sent by the client that it
// does not understand"). Enumerations come from the stored record's schema, so the two never disagree.
import * as v from "valibot";
import { ClientRecord } from "./schema";

/**
 * Record fields that only an administrator may set (through the admin API, never through RFC 7591): each grants
 * a privilege or changes what users are shown or asked to consent to.
 * - resource_server: the API identifier (aud) whose access tokens it may introspect;
 * - skip_consent: no consent page;
 * - lifetimes: token lifetimes beyond the provider's defaults;
 * - custom_claims: extra ID-token claims (static, or mapped from user attributes the user never consented to);
 * - always_issue_refresh_token: refresh tokens without offline_access;
 * - sector_identifier: shares pairwise subjects with other clients of that sector (a self-service update keeps it
 *   only while the redirect URIs stay among those it was set for: metadata.ts sectorFor).
 */
export const ADMIN_ONLY_FIELDS = [
  "resource_server",
  "skip_consent",
  "lifetimes",
  "custom_claims",
  "always_issue_refresh_token",
  "sector_identifier",
] as const;

export const AdminFields = v.pick(ClientRecord, ADMIN_ONLY_FIELDS);
export type AdminFields = v.InferOutput<typeof AdminFields>;

const Text = v.pipe(v.string(), v.maxLength(2000));
const TextList = (max: number) => v.pipe(v.array(Text), v.maxLength(max));

/** The enumerated fields, taken from the stored record (with its defaults). */
const fromRecord = v.pick(ClientRecord, [
  "application_type",
  "id_token_signed_response_alg",
  "id_token_encrypted_response_alg",
  "id_token_encrypted_response_enc",
  "userinfo_signed_response_alg",
  "userinfo_encrypted_response_alg",
  "userinfo_encrypted_response_enc",
  "subject_type",
  "access_token_format",
]).entries;

export const ClientMetadata = v.object({
  ...fromRecord,
  /** RFC 7592 §2.2: sent back on update, where it must match. */
  client_id: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /** RFC 7592 §2.2: may be sent back on update, where it must match; never chosen by the client. */
  client_secret: v.optional(Text),
  redirect_uris: v.optional(TextList(20), []),
  post_logout_redirect_uris: v.optional(TextList(20), []),
  backchannel_logout_uri: v.optional(Text),
  backchannel_logout_session_required: v.optional(v.boolean(), false),
  /** RFC 7591 §2: "If unspecified or omitted, the default is client_secret_basic". */
  token_endpoint_auth_method: v.optional(ClientRecord.entries.token_endpoint_auth_method, "client_secret_basic"),
  token_endpoint_auth_signing_alg: v.optional(v.pipe(v.string(), v.maxLength(20))),
  /**
   * RFC 7591 §2: "If omitted, the default behavior is that the client will use only the authorization_code Grant Type."
   */
  grant_types: v.optional(TextList(10), ["authorization_code"]),
  /** Default decided with grant_types (metadata.ts), so that the two stay consistent (RFC 7591 §2.1). */
  response_types: v.optional(TextList(10)),
  scope: v.optional(v.pipe(v.string(), v.maxLength(1000))),
  client_name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  client_uri: v.optional(Text),
  logo_uri: v.optional(Text),
  policy_uri: v.optional(Text),
  tos_uri: v.optional(Text),
  contacts: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(320))), v.maxLength(10))),
  jwks: v.optional(v.object({ keys: v.pipe(v.array(v.record(v.string(), v.unknown())), v.maxLength(10)) })),
  jwks_uri: v.optional(Text),
  /** OIDC Registration §2 and §5: verified at registration (src/clients/sector.ts). */
  sector_identifier_uri: v.optional(Text),
  /** RFC 9449 §5.2: every token request of the client must carry a DPoP proof. */
  dpop_bound_access_tokens: v.optional(v.boolean(), false),
  /** RFC 9126 §6: this client's authorization requests must come through the PAR endpoint. */
  require_pushed_authorization_requests: v.optional(v.boolean(), false),
  /** RFC 9101 §10.1, OIDC Registration §2: the one algorithm of this client's request objects (checked in metadata.ts). */
  request_object_signing_alg: v.optional(v.pipe(v.string(), v.maxLength(20))),
  /** RFC 9101 §5.2, OIDC Registration §2: request objects by reference, fetched from these URLs only. */
  request_uris: v.optional(TextList(10)),
  /** Our own metadata: every sign-in for this client needs two factors (it only makes the client's own sign-ins stricter). */
  require_mfa: v.optional(v.boolean(), false),
  /** OIDC Registration §2: "Default requested Authentication Context Class Reference values." */
  default_acr_values: v.optional(TextList(10)),
  /** Our own metadata (no standard names CORS origins): checked in metadata.ts, see src/clients/cors-origins.ts. */
  allowed_cors_origins: v.optional(TextList(20)),
});
export type ClientMetadata = v.InferOutput<typeof ClientMetadata>;
