// Account: one Durable Object per user (src/storage.ts), the strongly consistent place for what is user-wide:
// - sessions: the SSO cookie names a session (`sid`); the session lives here, so it can be ended on the server;
// - consents: which scopes and claims the user granted each client;
// - grants: every Grant object issued for the user announces itself here, so that deleting the user, changing
//   their password or signing them out everywhere revokes them all at once.
// - logouts: a session's end is queued here, atomically with it, as one back-channel logout per client of the
//   session (OIDC Back-Channel Logout 1.0), delivered and retried by the alarm, never by the request.
// One call answers an authorization request with a session (is the session live, is consent on record), so the
// code flow costs one round trip at /authorize and one at /token, and a sign-out costs one.
//
// Delivering a logout signs a token, which is above this layer: src/logout/account.ts supplies deliverLogout(),
// and its subclass is the class the Worker exports.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowMillis, nowSeconds } from "../clock";
import type { Env } from "../env";
import { audit } from "../lib/audit";
import { randomToken } from "../lib/crypto";
import { doKeys } from "../storage";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../lib/webauthn";
import { verifyPasskeyAssertion, verifyPasskeyRegistration } from "../lib/webauthn";
import { config } from "../config";
import { Factors, type FactorSummary } from "./factors";
import {
  alarmNoLaterThan,
  CLOCK_SKEW_MS,
  GrantRegistry,
  ownerAlarm,
  pruneAlarm,
  readRecord,
  tellRevoked,
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
  /** When the session began (auth_time moves on with a step-up); absent in sessions from before it was kept. */
  startedAt: v.optional(v.number()),
  /** The browser it began in, as its User-Agent said (shown on the account page only). */
  device: v.optional(v.string()),
});
export type SessionRecord = v.InferOutput<typeof SessionRecord>;

const ConsentRecord = v.object({ v: v.literal(1), items: v.array(v.string()) });
const ConsentRevoked = v.object({ v: v.literal(1), atMs: v.number(), exp: v.number() });
type ConsentRevoked = v.InferOutput<typeof ConsentRevoked>;

/** Kept until the session would have expired: a grant of it that announces itself late is revoked and reported. */
const EndedSession = v.object({ v: v.literal(1), exp: v.number() });

/** A grant of an ended session whose Grant object has not yet been told (only its key is read). */
interface PendingRevocation {
  v: 1;
  exp: number;
}

/** One back-channel logout for one client of an ended session. */
const LogoutDelivery = v.object({
  v: v.literal(1),
  sid: v.string(),
  /** The user's local sub: the logout token carries the one this client sees. */
  sub: v.string(),
  clientId: v.string(),
  /** The logout token's jti, the same on every attempt, so the client can recognise a repeat. */
  jti: v.string(),
  attempts: v.number(),
  /** When the next attempt is due (ms). */
  dueMs: v.number(),
  /** Given up at this instant (s): the owners' alarm then deletes it. */
  exp: v.number(),
});
export type LogoutDelivery = v.InferOutput<typeof LogoutDelivery>;

/**
 * What an attempt came to: delivered (or nothing to deliver: the client is gone or has no backchannel_logout_uri),
 * refused by the client (a 4xx: retrying the same token cannot help), or worth retrying (a network error, a 5xx).
 */
export type DeliveryOutcome = "delivered" | "refused" | "retry";

/** Seconds to wait after each failed attempt: seven attempts over about two hours, then it is given up. */
const LOGOUT_RETRY_SECONDS = [10, 60, 300, 900, 1800, 3600];
/** Logouts attempted per alarm invocation, so one alarm stays short; the rest follow at once. */
const LOGOUT_BATCH = 20;

/** A password sign-in: started (and whether the user holds a passkey), refused, or waiting for the second factor. */
export type StartOutcome =
  { status: "started"; hasPasskey: boolean; consented: boolean } | { status: "refused" } | { status: "second_factor" };

/** The consent an authorization request needs: asked in the same call that signs the user in (one round trip). */
export interface ConsentQuery {
  clientId: string;
  /** Consent items (scopes, claims); none when the client skips consent. */
  items: string[];
}

/** One proof of who the user is, checked in the Account (src/durable/factors.ts). `sub` only names the audit entry. */
export type FactorProof =
  | { kind: "totp"; sub: string; code: string }
  | { kind: "recovery"; sub: string; code: string }
  | {
      kind: "passkey";
      sub: string;
      response: AuthenticationResponseJSON;
      /** The challenge the page sent, from its signed token, and when that token expires. */
      challenge: string;
      challengeExp: number;
      origin: string;
      rpId: string;
    };

export interface CompleteSignIn {
  proof: FactorProof;
  /** What this interaction proved before: the methods (a password's "pwd") and the password hash's salt. */
  before: { amr: string[]; credential?: string | undefined };
  session: { start: { sid: string; exp: number; device?: string | undefined } } | { elevate: string };
  /** The consent the request being signed in for needs: answered with the sign-in. */
  consentFor?: ConsentQuery | undefined;
}

export type SignInRefusal =
  | "refused"
  | "unknown_credential"
  | "replayed"
  | "counter"
  | "backup_eligibility_changed"
  | "user_verification"
  | "invalid"
  | "wrong"
  | "throttled"
  | "none";

export type SignInOutcome =
  { ok: true; amr: string[]; authTime: number; exp: number; consented: boolean } | { ok: false; reason: SignInRefusal };

export interface AddPasskey {
  sid: string;
  response: RegistrationResponseJSON;
  challenge: string;
  challengeExp: number;
  origin: string;
  rpId: string;
  name: string;
}

export interface AccountOverview {
  sessions: { sid: string; authTime: number; startedAt: number; amr: string[]; device: string | undefined }[];
  factors: FactorSummary;
  consents: { clientId: string; items: string[] }[];
  /** The secret of an authenticator app being set up, shown to the user until confirmed. */
  pendingTotp: Uint8Array | null;
}

/** RFC 8176 methods by the kind of factor each proves ("user" is presence, RFC 8176 §2: no factor). */
const FACTOR_KIND: Readonly<Record<string, "knowledge" | "possession">> = {
  pwd: "knowledge",
  otp: "possession",
  hwk: "possession",
  swk: "possession",
};

/**
 * The methods of a sign-in, once each, with "mfa" when two kinds of factor were proven (RFC 8176 §2), or were
 * already (a session stepped up before). `userVerified`: a passkey's user verification (WebAuthn UV: a PIN or a
 * biometric unlocked the key) is the second kind beside the key; RFC 8176 has no value for it, so the passkey's
 * amr is the key's ("hwk"/"swk"), "user" and "mfa".
 */
export function combinedAmr(methods: readonly string[], userVerified = false): string[] {
  const unique = [...new Set(methods.filter((m) => m !== "mfa"))];
  const kinds = new Set<string>(unique.map((m) => FACTOR_KIND[m]).filter((k) => k !== undefined));
  if (userVerified) kinds.add("knowledge-or-inherence");
  return kinds.size >= 2 || methods.includes("mfa") ? [...unique, "mfa"] : unique;
}

/** Whether a login was checked against a password that has since been replaced. */
function stale(meta: Meta, credential: string | undefined): boolean {
  return meta.credential !== undefined && credential !== undefined && credential !== meta.credential;
}

export interface StandingInput {
  sid: string;
  clientId: string;
  /** Consent items (scopes, claims) this request needs; none when consent is not asked (skip_consent). */
  items: string[];
}

/** The session's standing for an authorization request (src/authorization/policy.ts). */
export interface Standing {
  live: boolean;
  consented: boolean;
}

export abstract class AccountObject extends DurableObject<Env> {
  /** Sends one back-channel logout (src/logout/account.ts). */
  protected abstract deliverLogout(delivery: LogoutDelivery): Promise<DeliveryOutcome>;

  /**
   * A new browser session after a successful password check; refused while the user is deleted, or when the
   * password that was checked is no longer the current one. With `secondFactor`, a user who turned the
   * authenticator app on gets no session from a password alone: the caller asks for the second factor.
   */
  async startSession(
    sid: string,
    session: SessionRecord,
    credential: string | undefined,
    options: { secondFactor?: boolean; consentFor?: ConsentQuery } = {},
  ): Promise<StartOutcome> {
    const meta = this.meta();
    if (meta.deleted || stale(meta, credential)) return { status: "refused" };
    const factors = this.factors();
    if (options.secondFactor && factors.requiresSecondFactor()) return { status: "second_factor" };
    await this.putSession(sid, session);
    const consented = this.hasConsent(options.consentFor);
    return { status: "started", hasPasskey: factors.passkeys().length > 0, consented };
  }

  /**
   * Completes a sign-in with a passkey, an authenticator-app code or a recovery code, in one call: the proof is
   * checked here (the credential record, its counter and the used challenges live in this object), then a session
   * starts, or the live session `elevate` gains the factor (a step-up). `before` is what this interaction proved
   * already (a password). docs/sign-in.md.
   */
  async completeSignIn(input: CompleteSignIn): Promise<SignInOutcome> {
    const meta = this.meta();
    if (meta.deleted || stale(meta, input.before.credential)) return { ok: false, reason: "refused" };
    const { session } = input;
    // The session to step up must still be live; undefined when a new one starts.
    const elevated = "elevate" in session ? this.liveSession(session.elevate) : undefined;
    if (elevated === null) return { ok: false, reason: "refused" };
    const proven = await this.checkProof(input.proof);
    if (!proven.ok) return proven;
    const methods = [...input.before.amr, ...(elevated?.amr ?? []), ...proven.amr];
    const amr = combinedAmr(methods, proven.userVerified);
    if ("elevate" in session) {
      // Read again: a sign-out may have run while the proof was checked, and must not be undone.
      const current = this.liveSession(session.elevate);
      if (!current) return { ok: false, reason: "refused" };
      // A step-up adds a factor; it is no new sign-in, so auth_time (and max_age) stay with the first.
      this.ctx.storage.kv.put(keys.session(session.elevate), { ...current, amr });
      const consented = this.hasConsent(input.consentFor);
      return { ok: true, amr, authTime: current.authTime, exp: current.exp, consented };
    }
    const { sid, exp, device } = session.start;
    const authTime = nowSeconds();
    await this.putSession(sid, { v: 1, authTime, amr, exp, startedAt: authTime, device });
    return { ok: true, amr, authTime, exp, consented: this.hasConsent(input.consentFor) };
  }

  /** The user's factors, as the pages may see them (no secret). */
  async factorSummary(): Promise<FactorSummary> {
    return this.factors().summary();
  }

  /** What the account page shows: the live sessions, the factors, the consents. */
  async overview(sid: string): Promise<AccountOverview> {
    const sessions: AccountOverview["sessions"] = [];
    for (const [key, value] of this.ctx.storage.kv.list({ prefix: keys.sessionPrefix })) {
      const parsed = v.safeParse(SessionRecord, value);
      if (!parsed.success || parsed.output.exp <= nowSeconds()) continue;
      const { authTime, amr, startedAt, device } = parsed.output;
      sessions.push({
        sid: key.slice(keys.sessionPrefix.length),
        authTime,
        amr,
        startedAt: startedAt ?? authTime,
        device,
      });
    }
    const consents: AccountOverview["consents"] = [];
    for (const [key, value] of this.ctx.storage.kv.list({ prefix: keys.consentPrefix })) {
      const parsed = v.safeParse(ConsentRecord, value);
      if (parsed.success) consents.push({ clientId: key.slice(keys.consentPrefix.length), items: parsed.output.items });
    }
    const factors = this.factors();
    const pendingTotp = await factors.pendingTotp(sid);
    return {
      sessions: sessions.sort((a, b) => b.startedAt - a.startedAt),
      factors: factors.summary(),
      consents,
      pendingTotp,
    };
  }

  /**
   * A passkey registered on the account page, in a live session: the attestation checked here, the challenge used
   * up. The caller has made sure no other user holds the credential id (src/users/passkeys.ts).
   */
  async addPasskey(input: AddPasskey): Promise<{ ok: true; id: string } | { ok: false; reason: string }> {
    if (!this.recentSession(input.sid)) return { ok: false, reason: "refused" };
    const factors = this.factors();
    if (factors.passkeys().length >= config.signIn.maxPasskeys) return { ok: false, reason: "too_many" };
    if (!factors.spendChallenge(input.challenge, input.challengeExp)) return { ok: false, reason: "replayed" };
    await pruneAlarm(this.ctx.storage, input.challengeExp);
    const verified = await verifyPasskeyRegistration(input.response, input);
    if (!verified.ok) return verified;
    const { credential } = verified;
    if (factors.passkey(credential.id)) return { ok: false, reason: "exists" };
    factors.savePasskey({
      v: 1,
      id: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      deviceType: credential.deviceType,
      backedUp: credential.backedUp,
      transports: credential.transports,
      name: input.name,
      createdAt: nowSeconds(),
    });
    return { ok: true, id: credential.id };
  }

  async renamePasskey(sid: string, id: string, name: string): Promise<boolean> {
    const passkey = this.liveSession(sid) ? this.factors().passkey(id) : null;
    if (!passkey) return false;
    this.factors().savePasskey({ ...passkey, name });
    return true;
  }

  async removePasskey(sid: string | null, id: string): Promise<boolean> {
    if (sid !== null && !this.recentSession(sid)) return false;
    return this.factors().removePasskey(id);
  }

  /** Enrolment of an authenticator app begins: the secret to show once, or null when the session has ended. */
  async beginTotp(sid: string): Promise<Uint8Array | null> {
    return this.recentSession(sid) ? this.factors().beginTotp(sid) : null;
  }

  async confirmTotp(sid: string, code: string) {
    if (!this.recentSession(sid)) return { ok: false as const };
    return this.factors().confirmTotp(sid, code);
  }

  async removeTotp(sid: string | null): Promise<boolean> {
    if (sid !== null && !this.recentSession(sid)) return false;
    const factors = this.factors();
    const removed = factors.removeTotp();
    // Recovery codes stand in for the app; without it they would be a password's only second factor.
    if (removed) factors.removeRecoveryCodes();
    return removed;
  }

  async regenerateRecoveryCodes(sid: string): Promise<string[] | null> {
    if (!this.recentSession(sid) || !this.factors().summary().totp) return null;
    return this.factors().newRecoveryCodes();
  }

  /** An administrator resets the second factor (the app and recovery codes), and with `passkeys` the passkeys too. */
  async resetFactors(passkeys: boolean): Promise<{ removedPasskeys: string[] }> {
    return { removedPasskeys: this.factors().removeAll({ passkeys }) };
  }

  /**
   * The user takes back a client's consent: it is forgotten, and that client's grants for the user are revoked
   * (their Grant objects told by the alarm). Answers how many grants.
   */
  async revokeConsent(sid: string, clientId: string): Promise<number | null> {
    if (!this.liveSession(sid)) return null;
    this.ctx.storage.kv.delete(keys.consent(clientId));
    // Kept until every code authorized before now has expired and its grant's alarm has announced it (retries
    // included); pruned by the alarm at exp.
    const exp = nowSeconds() + config.lifetimes.authorizationCode + 3600;
    this.ctx.storage.kv.put(keys.consentRevoked(clientId), { v: 1, atMs: nowMillis(), exp } satisfies ConsentRevoked);
    const registry = this.registry();
    let grants = 0;
    for (const { grantId, ref } of registry.current()) {
      if (ref.clientId !== clientId) continue;
      registry.forget(grantId);
      this.ctx.storage.kv.put(keys.revoking(grantId), { v: 1, exp: ref.exp } satisfies PendingRevocation);
      grants++;
    }
    await alarmNoLaterThan(this.ctx.storage, nowMillis());
    return grants;
  }

  /** Whether the session is live (not ended, not expired). */
  async sessionLive(sid: string): Promise<boolean> {
    return this.liveSession(sid) !== null;
  }

  /** The live session's record (the account page checks how recent its sign-in is). */
  async session(sid: string): Promise<SessionRecord | null> {
    return this.liveSession(sid);
  }

  /** One round trip for /authorize with a session: is it live, and is the needed consent on record. */
  async standing(input: StandingInput): Promise<Standing> {
    if (!this.liveSession(input.sid)) return { live: false, consented: false };
    return { live: true, consented: this.hasConsent(input) };
  }

  /** Whether the consent a request needs is on record (no query: not asked, so not known). */
  private hasConsent(query: ConsentQuery | undefined): boolean {
    if (!query) return false;
    const granted = new Set(this.consented(query.clientId));
    return query.items.every((item) => granted.has(item));
  }

  /**
   * A grant whose code was authorized before the user took the client's consent back on the account page (a code
   * is stateless until redeemed, so one in flight announces itself after the revocation).
   */
  private consentTakenBack(grant: GrantRegistration): boolean {
    const revoked = readRecord(this.ctx.storage, keys.consentRevoked(grant.clientId), ConsentRevoked);
    return revoked !== null && (grant.authorizedAtMs ?? grant.createdAtMs) <= revoked.atMs + CLOCK_SKEW_MS;
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
    if (meta.deleted || ended || stale(meta, grant.credential) || this.consentTakenBack(grant)) {
      // A code issued before a sign-out and redeemed after it: its client is told of the logout too.
      if (grant.sid !== undefined && readRecord(this.ctx.storage, keys.ended(grant.sid), EndedSession)) {
        this.queueLogout(grant.sid, grant.sub, grant.clientId);
        await alarmNoLaterThan(this.ctx.storage, nowMillis());
      }
      return { revoked: true };
    }
    await this.registry().add(grant.grantId, {
      v: 1,
      clientId: grant.clientId,
      sid: grant.sid,
      offline: grant.offline,
      exp: grant.exp,
    } satisfies GrantRef);
    return { revoked: false };
  }

  /**
   * Ends one session (RP-Initiated Logout): false when it had already ended. Every client of the session is sent
   * a back-channel logout, and its grants are revoked except those with offline_access, which "normally SHOULD
   * NOT be revoked" (Back-Channel Logout 1.0 §2.7). `sub` is the user's local sub (this object's name).
   */
  async endSession(sid: string, sub: string): Promise<boolean> {
    const session = this.liveSession(sid);
    if (!session) return false;
    this.ctx.storage.kv.delete(keys.session(sid));
    this.markEnded(sid, session.exp);
    const registry = this.registry();
    for (const { grantId, ref } of registry.current()) {
      if (ref.sid !== sid) continue;
      this.queueLogout(sid, sub, ref.clientId);
      if (ref.offline === true) continue;
      registry.forget(grantId);
      this.ctx.storage.kv.put(keys.revoking(grantId), { v: 1, exp: ref.exp } satisfies PendingRevocation);
    }
    // The alarm does the telling, so the sign-out answers after one storage transaction.
    await alarmNoLaterThan(this.ctx.storage, nowMillis());
    return true;
  }

  /**
   * Ends every session and revokes every grant, now: a password change, an admin "sign out everywhere", or
   * (deleted) the user's deletion, which also forgets consents and refuses new sessions. Every client of a session
   * is sent a back-channel logout. `sub` is the user's local sub.
   */
  async revokeEverything(
    sub: string,
    deleted: boolean,
    credential?: string,
  ): Promise<{ sessions: number; grants: number; removedPasskeys: string[] }> {
    const storage = this.ctx.storage.kv;
    const meta = this.meta();
    for (const { ref } of this.registry().current()) {
      if (ref.sid !== undefined && this.liveSession(ref.sid)) this.queueLogout(ref.sid, sub, ref.clientId);
    }
    // A sign-out racing a deletion never undoes it; a new password (credential) becomes the only one accepted.
    storage.put(keys.meta, {
      v: 1,
      revokedAtMs: nowMillis(),
      deleted: deleted || meta.deleted,
      credential: credential ?? meta.credential,
    } satisfies Meta);
    let sessions = 0;
    for (const [key, value] of storage.list({ prefix: keys.sessionPrefix })) {
      storage.delete(key);
      sessions++;
      // As for a sign-out: a grant of this session announcing itself late is revoked and its client told.
      const session = v.safeParse(SessionRecord, value);
      if (session.success) this.markEnded(key.slice(keys.sessionPrefix.length), session.output.exp);
    }
    if (deleted) for (const [key] of storage.list({ prefix: keys.consentPrefix })) storage.delete(key);
    // A deleted user's factors go with them; the caller deletes the passkeys' id -> user entries.
    const removedPasskeys = deleted ? this.factors().removeAll({ passkeys: true }) : [];
    const grants = await this.registry().revokeAll();
    await alarmNoLaterThan(this.ctx.storage, nowMillis());
    return { sessions, grants, removedPasskeys };
  }

  /** The user exists (again), with this password: sessions may start. Earlier grants stay revoked. */
  async restore(credential: string | undefined): Promise<void> {
    this.ctx.storage.kv.put(keys.meta, { ...this.meta(), deleted: false, credential });
  }

  override async alarm(): Promise<void> {
    await this.deliverDueLogouts();
    await this.revokePending();
    await ownerAlarm(this.ctx.storage, this.registry());
  }

  private markEnded(sid: string, exp: number): void {
    this.ctx.storage.kv.put(keys.ended(sid), { v: 1, exp } satisfies v.InferOutput<typeof EndedSession>);
  }

  /** Queues one client's back-channel logout for a session (once: a second grant of the client adds nothing). */
  private queueLogout(sid: string, sub: string, clientId: string): void {
    const key = keys.logout(sid, clientId);
    if (this.ctx.storage.kv.get(key) !== undefined) return;
    const delivery: LogoutDelivery = {
      v: 1,
      sid,
      sub,
      clientId,
      jti: randomToken(16),
      attempts: 0,
      dueMs: nowMillis(),
      exp: nowSeconds() + LOGOUT_RETRY_SECONDS.reduce((a, b) => a + b, 0) + 3600,
    };
    this.ctx.storage.kv.put(key, delivery);
  }

  /** Attempts the logouts that are due; each failure is retried later, up to LOGOUT_RETRY_SECONDS, then dropped. */
  private async deliverDueLogouts(): Promise<void> {
    const storage = this.ctx.storage.kv;
    const now = nowMillis();
    const queued: [string, LogoutDelivery][] = [];
    for (const [key, value] of storage.list({ prefix: keys.logoutPrefix })) {
      const parsed = v.safeParse(LogoutDelivery, value);
      if (parsed.success) queued.push([key, parsed.output]);
      else storage.delete(key);
    }
    const due = queued.filter(([, d]) => d.dueMs <= now).slice(0, LOGOUT_BATCH);
    const outcomes = await Promise.all(due.map(([, d]) => this.attemptLogout(d)));
    let next = Number.POSITIVE_INFINITY;
    due.forEach(([key, delivery], i) => {
      const retryIn = LOGOUT_RETRY_SECONDS[delivery.attempts];
      const outcome = outcomes[i];
      if (outcome === "delivered") {
        storage.delete(key);
      } else if (outcome === "retry" && retryIn !== undefined) {
        const dueMs = nowMillis() + retryIn * 1000;
        storage.put(key, { ...delivery, attempts: delivery.attempts + 1, dueMs } satisfies LogoutDelivery);
        next = Math.min(next, dueMs);
      } else {
        storage.delete(key);
        audit({
          event: "logout.backchannel_failed",
          clientId: delivery.clientId,
          attempts: delivery.attempts + 1,
          outcome: outcome ?? "retry",
        });
      }
    });
    const attempted = new Set(due.map(([key]) => key));
    for (const [key, delivery] of queued) if (!attempted.has(key)) next = Math.min(next, delivery.dueMs);
    if (Number.isFinite(next)) await alarmNoLaterThan(this.ctx.storage, next);
  }

  /** One attempt; an exception is a failure like any other (the alarm must go on with the others). */
  private async attemptLogout(delivery: LogoutDelivery): Promise<DeliveryOutcome> {
    try {
      return await this.deliverLogout(delivery);
    } catch (err) {
      console.error("back-channel logout failed", err instanceof Error ? err.message : "unknown");
      return "retry";
    }
  }

  /** Tells the Grant objects of ended sessions that they are revoked; those not reached are retried. */
  private revokePending(): Promise<void> {
    return tellRevoked(this.env, this.ctx.storage, { prefix: keys.revokingPrefix });
  }

  private async putSession(sid: string, session: SessionRecord): Promise<void> {
    this.ctx.storage.kv.put(keys.session(sid), session);
    await pruneAlarm(this.ctx.storage, session.exp);
  }

  /** Checks one proof of a sign-in; the RFC 8176 methods it adds. */
  private async checkProof(
    proof: FactorProof,
  ): Promise<{ ok: true; amr: string[]; userVerified: boolean } | { ok: false; reason: SignInRefusal }> {
    const factors = this.factors();
    if (proof.kind === "totp" || proof.kind === "recovery") {
      const checked =
        proof.kind === "totp" ? await factors.checkTotp(proof.code) : await factors.useRecoveryCode(proof.code);
      if (!checked.ok) {
        const factor = proof.kind === "totp" ? "totp" : "recovery_code";
        audit(
          checked.reason === "throttled"
            ? { event: "factor.throttled", sub: proof.sub }
            : { event: "factor.failed", sub: proof.sub, factor, reason: checked.reason },
        );
        return checked;
      }
      // RFC 8176 §2: "otp", a one-time password (a recovery code is one too).
      return { ok: true, amr: ["otp"], userVerified: false };
    }
    const stored = factors.passkey(proof.response.id);
    if (!stored) return { ok: false, reason: "unknown_credential" };
    // Spent before the (asynchronous) verification, so two racing replays cannot both pass.
    if (!factors.spendChallenge(proof.challenge, proof.challengeExp)) return { ok: false, reason: "replayed" };
    await pruneAlarm(this.ctx.storage, proof.challengeExp);
    const verified = await verifyPasskeyAssertion(proof.response, { ...proof, credential: stored });
    if (!verified.ok) {
      // WebAuthn L3 §6.1.1: a counter that does not increase may mean a cloned authenticator.
      audit({ event: "factor.failed", sub: proof.sub, factor: "passkey", reason: verified.reason });
      return { ok: false, reason: verified.reason };
    }
    factors.recordPasskeyUse(stored, verified);
    // RFC 8176 §2: "hwk" for a key bound to its device, "swk" for a synced one; "user", the user was present; the
    // verification the library required (UV) makes it two factors (combinedAmr).
    return { ok: true, amr: [stored.deviceType === "multiDevice" ? "swk" : "hwk", "user"], userVerified: true };
  }

  private factors(): Factors {
    return new Factors(this.env, this.ctx.storage);
  }

  /**
   * A live session whose sign-in is recent enough to change credentials (config.signIn.recentSeconds): the pages
   * ask for a new sign-in first, and this is the rule's last word, whatever the caller checked.
   */
  private recentSession(sid: string): SessionRecord | null {
    const session = this.liveSession(sid);
    return session && nowSeconds() - session.authTime <= config.signIn.recentSeconds ? session : null;
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
