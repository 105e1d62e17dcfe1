// The state one Grant Durable Object keeps, parsed through a versioned schema on every read.
import * as v from "valibot";

export const GrantState = v.object({
  v: v.literal(1),
  clientId: v.string(),
  sub: v.string(),
  scope: v.array(v.string()),
  redirectUri: v.string(),
  nonce: v.optional(v.string()),
  /** S256 code challenge (RFC 7636 §4.2), when the client sent one. */
  codeChallenge: v.optional(v.string()),
  authTime: v.number(),
  amr: v.array(v.string()),
  acr: v.optional(v.string()),
  /** The OIDC `claims` request parameter (§5.5), kept as sent (JSON). */
  claims: v.optional(v.string()),
  /** Only the hash of the code's secret part is stored. */
  codeHash: v.string(),
  codeExpiresAt: v.number(),
  codeRedeemedAt: v.optional(v.number()),
  revoked: v.boolean(),
  /** When everything issued from this grant has expired; the alarm deletes the state then. */
  expiresAt: v.number(),
});
export type GrantState = v.InferOutput<typeof GrantState>;

/** What the Worker needs to know about a grant to issue tokens or answer userinfo. */
export type GrantView = Pick<GrantState, "clientId" | "sub" | "scope" | "nonce" | "authTime" | "amr" | "acr" | "claims">;

export type GrantInit = Omit<GrantState, "v" | "codeRedeemedAt" | "revoked" | "expiresAt">;

export interface RedeemCodeInput {
  codeHash: string;
  clientId: string;
  redirectUri: string;
  /** BASE64URL(SHA256(code_verifier)) computed by the Worker, or undefined when no verifier was sent. */
  verifierChallenge: string | undefined;
  /** How long the tokens about to be issued live, so the grant outlives them. */
  tokensExpireAt: number;
}

export type RedeemResult = { ok: true; grant: GrantView } | { ok: false; reason: string };
