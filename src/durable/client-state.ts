// ClientState: what must be strongly consistent per client, spread over a few shard objects (src/storage.ts).
// - Opaque (by-reference) client_credentials access tokens: a hash per token in a random shard, so one busy
//   client is not capped by one object's throughput (~1,000 requests/s).
// - Shard 0: revoked client_credentials JWTs (RFC 7009), kept until they expire; the client's grants, so that
//   deleting the client revokes them (RFC 7592 §2.3); and the deletion mark, which refuses every token issued
//   before it.
// Issuing a client_credentials JWT touches none of this: only revocation, introspection and userinfo do.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowMillis, nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys, objects } from "../storage";
import {
  CLOCK_SKEW_MS,
  GrantRegistry,
  ownerAlarm,
  pruneAlarm,
  readRecord,
  type GrantRef,
  type GrantRegistration,
} from "./revocation-queue";

const keys = doKeys.clientState;

const Meta = v.object({
  v: v.literal(1),
  /** When the client was deleted (ms): tokens and grants issued at or before it are revoked. */
  revokedAtMs: v.optional(v.number()),
});

const OpaqueClientToken = v.object({
  v: v.literal(1),
  clientId: v.string(),
  scope: v.array(v.string()),
  /** RFC 8707 audience requested for this token; absent means the one derived from its scope. */
  aud: v.optional(v.array(v.string())),
  iat: v.number(),
  exp: v.number(),
  /** RFC 9449 §6.2: the JWK thumbprint of a DPoP-bound token (introspection's cnf.jkt). */
  jkt: v.optional(v.string()),
});
type OpaqueClientToken = v.InferOutput<typeof OpaqueClientToken>;

type ClientRevokeOutcome = "revoked" | "not_found" | "wrong_client";

export class ClientState extends DurableObject<Env> {
  async storeOpaque(hash: string, token: OpaqueClientToken): Promise<void> {
    this.ctx.storage.kv.put(keys.opaque(hash), token);
    await pruneAlarm(this.ctx.storage, token.exp);
  }

  /** The live opaque token with this hash, or null (unknown, expired, revoked, or its client deleted). */
  async lookupOpaque(hash: string): Promise<OpaqueClientToken | null> {
    const token = readRecord(this.ctx.storage, keys.opaque(hash), OpaqueClientToken);
    if (!token || nowSeconds() >= token.exp || this.revokedAt(token.iat * 1000)) return null;
    return token;
  }

  /** RFC 7009 §2.1: only the client the token was issued to may revoke it. */
  async revokeOpaque(hash: string, clientId: string): Promise<ClientRevokeOutcome> {
    const token = readRecord(this.ctx.storage, keys.opaque(hash), OpaqueClientToken);
    if (!token) return "not_found";
    if (token.clientId !== clientId) return "wrong_client";
    this.ctx.storage.kv.delete(keys.opaque(hash));
    return "revoked";
  }

  /** Whether a client_credentials JWT of this client is still good: not revoked, not older than a deletion. */
  async jwtActive(jti: string, iat: number): Promise<boolean> {
    // iat has whole seconds: a token of the deletion's own second counts as before it (refused, the safe side).
    return !this.revokedAt(iat * 1000) && this.ctx.storage.kv.get(keys.revokedJti(jti)) === undefined;
  }

  /** Remembers a revoked JWT until it expires; after that its `exp` refuses it everywhere. */
  async revokeJwt(jti: string, exp: number): Promise<void> {
    if (exp <= nowSeconds()) return;
    this.ctx.storage.kv.put(keys.revokedJti(jti), { v: 1, exp });
    await pruneAlarm(this.ctx.storage, exp);
  }

  /**
   * A grant issued to this client announces itself (from its Grant object's alarm). Answers whether it is
   * already revoked: created at or before the client's deletion.
   */
  async registerGrant(grant: GrantRegistration): Promise<{ revoked: boolean }> {
    if (this.revokedAt(grant.createdAtMs + CLOCK_SKEW_MS)) return { revoked: true };
    await this.registry().add(grant.grantId, { v: 1, clientId: grant.clientId, exp: grant.exp } satisfies GrantRef);
    return { revoked: false };
  }

  /**
   * The client was deleted. RFC 7592 §2.3: "the authorization server SHOULD immediately invalidate all existing
   * authorization grants and currently-active access tokens, refresh tokens, and other tokens associated with
   * this client". Shard 0 tells the other shards; each revokes the grants it knows (in batches, src/durable/
   * revocation-queue.ts).
   */
  async revokeEverything(clientId: string, shards: number, shard = 0): Promise<{ grants: number }> {
    const storage = this.ctx.storage.kv;
    // The deletion mark refuses every opaque token and JWT issued before it; the alarm prunes them at expiry.
    storage.put(keys.meta, { v: 1, revokedAtMs: nowMillis() });
    const own = await this.registry().revokeAll();
    if (shard !== 0) return { grants: own };
    const others = Array.from({ length: shards - 1 }, (_, i) => i + 1);
    const counts = await Promise.all(
      others.map((i) => objects.clientState(this.env, clientId, i).revokeEverything(clientId, shards, i)),
    );
    return { grants: counts.reduce((sum, c) => sum + c.grants, own) };
  }

  override async alarm(): Promise<void> {
    await ownerAlarm(this.ctx.storage, this.registry());
  }

  /** Whether something issued at `issuedAtMs` is covered by the client's deletion. */
  private registry(): GrantRegistry {
    return new GrantRegistry(this.env, this.ctx.storage, keys.grants);
  }

  private revokedAt(issuedAtMs: number): boolean {
    const deletedAt = readRecord(this.ctx.storage, keys.meta, Meta)?.revokedAtMs;
    return deletedAt !== undefined && issuedAtMs <= deletedAt;
  }
}
