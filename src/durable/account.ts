// Account: one Durable Object per user (src/storage.ts), the strongly consistent place for what is user-wide:
// - sessions: the SSO cookie names a session (`sid`); the session lives here, so it can be ended on the server;
// - consents: which scopes and claims the user granted each client;
// - grants: every Grant object issued for the user announces itself here, so that deleting the user, changing
//   their password or signing them out everywhere revokes them all at once.
// One call answers an authorization request with a session (is the session live, is consent on record), so the
// code flow costs one round trip at /authorize and one at /token.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowMillis, nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys } from "../storage";
import {
  CLOCK_SKEW_MS,
  GrantRegistry,
  ownerAlarm,
  pruneAlarm,
  readRecord,
  type GrantRef,
  type GrantRegistration,
} from "./revocation-queue";

const keys = doKeys.account;

const Meta = v.object({
  v: v.literal(1),
  /** Grants created before this instant (ms) are revoked: a password change, a sign-out everywhere, deletion. */
  revokedAtMs: v.number(),
  /** The user was deleted: no new session or grant until the user is created again. */
  deleted: v.boolean(),
  /**
   * The salt of the user's current password hash. A login checked against an older hash (a location whose KV
   * still holds it, up to ~60 s after a change) starts no session and its grants are revoked.
   */
  credential: v.optional(v.string()),
});
type Meta = v.InferOutput<typeof Meta>;

const SessionRecord = v.object({
  v: v.literal(1),
  authTime: v.number(),
  amr: v.array(v.string()),
  exp: v.number(),
});
type SessionRecord = v.InferOutput<typeof SessionRecord>;

const ConsentRecord = v.object({ v: v.literal(1), items: v.array(v.string()) });

/** Whether a login was checked against a password that has since been replaced. */
function stale(meta: Meta, credential: string | undefined): boolean {
  return meta.credential !== undefined && credential !== undefined && credential !== meta.credential;
}

export interface AuthorizeInput {
  sid: string;
  clientId: string;
  /** Consent items (scopes, claims) this request needs. */
  items: string[];
  /** Whether consent must be asked whatever is on record (prompt=consent), or is never needed (skip_consent). */
  consent: "check" | "force" | "skip";
}

export type AuthorizeOutcome = "ok" | "login_required" | "consent_required";

export class Account extends DurableObject<Env> {
  /**
   * A new browser session after a successful login; refused (false) while the user is deleted, or when the
   * password that was checked is no longer the current one.
   */
  async startSession(sid: string, session: SessionRecord, credential: string | undefined): Promise<boolean> {
    const meta = this.meta();
    if (meta.deleted || stale(meta, credential)) return false;
    this.ctx.storage.kv.put(keys.session(sid), session);
    await pruneAlarm(this.ctx.storage, session.exp);
    return true;
  }

  /** Whether the session is live (not ended, not expired). */
  async sessionLive(sid: string): Promise<boolean> {
    return this.liveSession(sid) !== null;
  }

  /** One round trip for /authorize with a session: is it live, and is the needed consent on record. */
  async authorize(input: AuthorizeInput): Promise<AuthorizeOutcome> {
    if (!this.liveSession(input.sid)) return "login_required";
    if (input.consent === "skip") return "ok";
    if (input.consent === "force") return "consent_required";
    const granted = new Set(this.consented(input.clientId));
    return input.items.every((item) => granted.has(item)) ? "ok" : "consent_required";
  }

  /** The user allowed a client these items, in a live session; false when the session has ended. */
  async consent(sid: string, clientId: string, items: string[]): Promise<boolean> {
    if (!this.liveSession(sid)) return false;
    const merged = [...new Set([...this.consented(clientId), ...items])];
    this.ctx.storage.kv.put(keys.consent(clientId), { v: 1, items: merged });
    return true;
  }

  /** A grant announces itself (its Grant object's alarm); answers whether it is already revoked. */
  async registerGrant(grant: GrantRegistration): Promise<{ revoked: boolean }> {
    const meta = this.meta();
    // A grant from a session is revoked when its session has ended (every revocation deletes the sessions, so a
    // code issued before a sign-out and redeemed after is caught); one without a session (the password grant)
    // when it was created before the last revocation.
    const ended =
      grant.sid === undefined
        ? grant.createdAtMs <= meta.revokedAtMs + CLOCK_SKEW_MS
        : this.ctx.storage.kv.get(keys.session(grant.sid)) === undefined;
    if (meta.deleted || ended || stale(meta, grant.credential)) return { revoked: true };
    await this.registry().add(grant.grantId, {
      v: 1,
      clientId: grant.clientId,
      sid: grant.sid,
      exp: grant.exp,
    } satisfies GrantRef);
    return { revoked: false };
  }

  /**
   * Ends every session and revokes every grant, now: a password change, an admin "sign out everywhere", or
   * (deleted) the user's deletion, which also forgets consents and refuses new sessions.
   */
  async revokeEverything(deleted: boolean, credential?: string): Promise<{ sessions: number; grants: number }> {
    const storage = this.ctx.storage.kv;
    const meta = this.meta();
    // A sign-out racing a deletion never undoes it; a new password (credential) becomes the only one accepted.
    storage.put(keys.meta, {
      v: 1,
      revokedAtMs: nowMillis(),
      deleted: deleted || meta.deleted,
      credential: credential ?? meta.credential,
    } satisfies Meta);
    let sessions = 0;
    for (const [key] of storage.list({ prefix: keys.sessionPrefix })) {
      storage.delete(key);
      sessions++;
    }
    if (deleted) for (const [key] of storage.list({ prefix: keys.consentPrefix })) storage.delete(key);
    const grants = await this.registry().revokeAll();
    return { sessions, grants };
  }

  /** The user exists (again), with this password: sessions may start. Earlier grants stay revoked. */
  async restore(credential: string | undefined): Promise<void> {
    this.ctx.storage.kv.put(keys.meta, { ...this.meta(), deleted: false, credential });
  }

  override async alarm(): Promise<void> {
    await ownerAlarm(this.ctx.storage, this.registry());
  }

  private liveSession(sid: string): SessionRecord | null {
    const session = readRecord(this.ctx.storage, keys.session(sid), SessionRecord);
    // Sessions are deleted when everything is revoked, so a session found here began after that.
    return session && nowSeconds() < session.exp ? session : null;
  }

  private consented(clientId: string): string[] {
    return readRecord(this.ctx.storage, keys.consent(clientId), ConsentRecord)?.items ?? [];
  }

  private registry(): GrantRegistry {
    return new GrantRegistry(this.env, this.ctx.storage, keys.grants);
  }

  private meta(): Meta {
    return readRecord(this.ctx.storage, keys.meta, Meta) ?? { v: 1, revokedAtMs: 0, deleted: false };
  }
}
