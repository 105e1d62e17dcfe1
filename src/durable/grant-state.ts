// The state one Grant Durable Object keeps, parsed through a versioned schema on every read, and the shapes
// of its RPC calls. Only hashes of codes and tokens are stored.
import * as v from "valibot";

const Hash = v.string();

const CodeState = v.object({
  hash: Hash,
  expiresAt: v.number(),
  redeemedAt: v.optional(v.number()),
  redirectUri: v.string(),
  /** S256 code challenge (RFC 7636 §4.2), when the client sent one. */
  challenge: v.optional(v.string()),
});

const RefreshState = v.object({
  /** Hash of the current refresh token of the family. */
  hash: Hash,
  /** Sliding expiry, renewed on each rotation but never past absoluteExpiresAt. */
  expiresAt: v.number(),
  absoluteExpiresAt: v.number(),
  idleLifetime: v.number(),
  graceSeconds: v.number(),
  /** The token rotated out last, for the grace window: its successor is kept encrypted under the old secret. */
  previous: v.optional(v.object({ hash: Hash, rotatedAt: v.number(), encryptedNext: v.string() })),
  /** Hashes of older rotated-out tokens (bounded): presenting one is reuse. */
  retired: v.array(Hash),
  /** RFC 9449 §5: the JWK thumbprint a public client's refresh tokens are bound to; each refresh must prove it. */
  dpopJkt: v.optional(v.string()),
});

const OpaqueToken = v.object({
  hash: Hash,
  iat: v.number(),
  expiresAt: v.number(),
  scope: v.array(v.string()),
  /** RFC 8707 audience requested for this token; absent means the one derived from its scope. */
  aud: v.optional(v.array(v.string())),
  /** RFC 9449 §6.2: the JWK thumbprint of a DPoP-bound token (introspection's cnf.jkt). */
  jkt: v.optional(v.string()),
});

/** What a grant is about, fixed when it is created: sealed inside its authorization code until then. */
export const GrantInit = v.object({
  clientId: v.string(),
  /** The user, or the client itself for client_credentials. */
  sub: v.string(),
  scope: v.array(v.string()),
  authTime: v.optional(v.number()),
  amr: v.optional(v.array(v.string())),
  acr: v.optional(v.string()),
  nonce: v.optional(v.string()),
  /** The OIDC `claims` request parameter (§5.5), kept as sent (JSON). */
  claims: v.optional(v.string()),
  /** Decided at authorization: the code's redemption also starts a refresh-token family. */
  offline: v.boolean(),
  /** The browser session the grant came from (OIDC Back-Channel Logout `sid`); absent for the password grant. */
  sid: v.optional(v.string()),
  /** When the user authorized it (its code was sealed), in ms: a consent taken back after that revokes it. */
  authorizedAtMs: v.optional(v.number()),
  /** The password grant: the salt of the password hash it was checked against, for the user's Account. */
  credential: v.optional(v.string()),
});
export type GrantInit = v.InferOutput<typeof GrantInit>;

/** Fields added to version 1 compatibly: a record without them is a grant registered before they existed. */
export const GrantState = v.object({
  v: v.literal(1),
  ...GrantInit.entries,
  /** When the grant was created (its code redeemed, or its tokens issued at once), in milliseconds. */
  createdAtMs: v.optional(v.number()),
  /** The grant has still to announce itself to its user's Account and its client's ClientState (its alarm does). */
  unregistered: v.optional(v.boolean()),
  code: v.optional(CodeState),
  refresh: v.optional(RefreshState),
  /** Live opaque access tokens (by reference). */
  opaque: v.array(OpaqueToken),
  /**
   * jti of JWT access tokens revoked on their own (RFC 7009 §2) by grants stored before each got a row of its own
   * (doKeys.grant.revokedJti); new grants keep it empty.
   */
  revokedJti: v.array(v.string()),
  revoked: v.boolean(),
  /** When everything issued from this grant has expired; the alarm deletes the state then. */
  expiresAt: v.number(),
});
export type GrantState = v.InferOutput<typeof GrantState>;
type RefreshState = v.InferOutput<typeof RefreshState>;

/** What the Worker needs to know about a grant to issue tokens, answer userinfo or introspect. */
export type GrantView = Pick<
  GrantState,
  "clientId" | "sub" | "scope" | "nonce" | "authTime" | "amr" | "acr" | "claims" | "sid"
>;

/** Tokens about to be issued, registered in the same atomic step that authorises them. */
export interface Issuance {
  accessTokenExpiresAt: number;
  /** Hash of an opaque access token's secret, for clients with access tokens by reference. */
  opaqueHash?: string | undefined;
  /** RFC 8707: the audience requested with `resource`; undefined means the one derived from the scope. */
  audience?: string[] | undefined;
  /** The scope of this access token: narrower than the grant's on a refresh; undefined means the grant's. */
  accessScope?: string[] | undefined;
  /** RFC 9449 §6: the JWK thumbprint the access token is bound to (a DPoP proof came with the request). */
  dpopJkt?: string | undefined;
  /**
   * Hash of a new refresh token when the grant is to have one (or its rotation); dpopJkt: the key a public client's
   * refresh tokens are to be bound to (RFC 9449 §5), when the family is not bound yet.
   */
  refresh?:
    | {
        hash: string;
        idleLifetime: number;
        absoluteLifetime: number;
        graceSeconds: number;
        dpopJkt?: string | undefined;
      }
    | undefined;
}

/** What an authorization code seals (src/authorization/code.ts): the grant and the code's bindings. */
export const SealedCode = v.object({
  v: v.literal(1),
  init: GrantInit,
  expiresAt: v.number(),
  redirectUri: v.string(),
  /** S256 code challenge (RFC 7636 §4.2), when the client sent one. */
  challenge: v.optional(v.string()),
  /** RFC 9449 §10: the JWK thumbprint the code is bound to (dpop_jkt, or the DPoP proof sent with PAR). */
  dpopJkt: v.optional(v.string()),
});
export type SealedCode = v.InferOutput<typeof SealedCode>;

export interface RedeemCodeInput {
  codeHash: string;
  /** The opened code: the Grant object is created from it on first redemption. */
  sealed: SealedCode;
  clientId: string;
  redirectUri: string;
  /** BASE64URL(SHA256(code_verifier)) computed by the Worker, or undefined when no verifier was sent. */
  verifierChallenge: string | undefined;
  issuance: Issuance;
}

export interface RefreshInput {
  presentedHash: string;
  clientId: string;
  /** The successor's secret encrypted under the presented one, kept for the grace window. */
  encryptedNext: string;
  /** RFC 6749 §6: a narrower scope for the new access token; checked before anything rotates. */
  requestedScope: string[] | undefined;
  /** The thumbprint of the request's DPoP proof, if any: a bound family needs the same (RFC 9449 §5). */
  dpopJkt: string | undefined;
  issuance: Issuance & { refresh: NonNullable<Issuance["refresh"]> };
}

export type Failure = { ok: false; reason: string; error: "invalid_grant" | "invalid_scope" };
/** refreshIssued: the prepared refresh token was registered (the grant is an offline one). */
export type RedeemResult = { ok: true; grant: GrantView; refreshIssued: boolean } | Failure;
/** rotated: the Worker's new refresh token is now current; retry: answer with the successor kept for the window. */
export type RefreshResult = { ok: true; grant: GrantView; retryOf?: string } | Failure;

type TokenKind = "access_token" | "refresh_token";

export interface TokenInfo {
  kind: TokenKind;
  grant: GrantView;
  scope: string[];
  iat: number | undefined;
  exp: number;
  /** The audience an opaque access token was issued for with RFC 8707 `resource`. */
  aud?: string[] | undefined;
  /** RFC 9449 §6.2: the key a DPoP-bound opaque access token is bound to. */
  jkt?: string | undefined;
}
