// Grant: one Durable Object per authorization grant (docs/architecture.md), the single source of truth for everything
// issued from it. Its id travels inside codes, refresh tokens and opaque access tokens (`<grant-id>.<secret>`)
// and inside JWT access tokens' jti, so every edge location reaches the same object.
// Every check-and-update below is synchronous (SQLite-backed sync KV): each call is one atomic step, however
// many requests race for the same code or refresh token.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowMillis, nowSeconds } from "../clock";
import { audit } from "../lib/audit";
import { config } from "../config";
import type { Env } from "../env";
import { doKeys, objects } from "../storage";
import {
  GrantState,
  type GrantInit,
  type GrantView,
  type Issuance,
  type RedeemCodeInput,
  type RedeemResult,
  type RefreshInput,
  type Failure,
  type RefreshResult,
  type TokenInfo,
} from "./grant-state";

const STATE_KEY = doKeys.grant.state;
/** Seconds before registering with the grant's owners is tried again after a failure. */
const REGISTER_RETRY_SECONDS = 15;
/** How many rotated-out refresh token hashes are remembered for reuse detection. */
const RETIRED_LIMIT = 50;

export type RevokeOutcome = "revoked" | "not_found" | "wrong_client";

export class Grant extends DurableObject<Env> {
  /** The parsed state (undefined: not read yet in this instance). */
  private cached: GrantState | null | undefined;
  /** The alarm this instance last set (0: "now", to register); undefined after a restart. */
  private alarmAt: number | undefined;

  /** A grant whose tokens are issued at once (the password grant). */
  async createIssued(init: GrantInit, issuance: Issuance): Promise<void> {
    const now = nowSeconds();
    this.write(withIssuance(newState(init), issuance, now));
  }

  /**
   * Redeem an authorization code: validate, announce the new grant to its owners, mark the code used and register
   * the tokens, in one step. The code seals the grant (src/authorization/code.ts), so the object comes to exist at
   * its first redemption: /authorize writes nothing, and a second redemption finds the first. No other call reaches
   * the object until the step is done (blockConcurrencyWhile), owners' answers included, so a racing redemption of
   * the same code, or an owner's revocation, sees the written state.
   */
  async redeemCode(input: RedeemCodeInput): Promise<RedeemResult> {
    return this.ctx.blockConcurrencyWhile(() => this.redeemOnce(input));
  }

  private async redeemOnce(input: RedeemCodeInput): Promise<RedeemResult> {
    const existing = this.read();
    if (existing) {
      // The grant id is unique to one code and the sealed part is authenticated (AES-GCM), so any state here
      // means this code was redeemed before, whatever spelling of it is presented now.
      if (existing.revoked) return fail("the grant has been revoked");
      // RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
      // the request and SHOULD revoke (when possible) all tokens previously issued based on that authorization code."
      this.write({ ...existing, revoked: true });
      audit({ event: "code.replayed", clientId: existing.clientId, sub: existing.sub });
      return fail("authorization code already used; the grant is revoked");
    }
    const { sealed } = input;
    const now = nowSeconds();
    if (now >= sealed.expiresAt) return fail("authorization code expired");
    // RFC 6749 §4.1.3: the code is bound to its client and to the redirect_uri of the authorization request.
    if (sealed.init.clientId !== input.clientId) return fail("authorization code was issued to another client");
    if (sealed.redirectUri !== input.redirectUri) return fail("redirect_uri does not match");
    const pkceFailure = checkPkce(sealed.challenge, input.verifierChallenge);
    if (pkceFailure) return fail(pkceFailure);
    const { init } = sealed;
    const code = {
      hash: input.codeHash,
      expiresAt: sealed.expiresAt,
      redirectUri: sealed.redirectUri,
      challenge: sealed.challenge,
      redeemedAt: now,
    };
    const issuance = { ...input.issuance, refresh: init.offline ? input.issuance.refresh : undefined };
    // The state outlives the code (expiresAt >= the code's expiry), so a second redemption always finds it.
    const state = withIssuance({ ...newState(init), code, expiresAt: sealed.expiresAt }, issuance, now);
    // Announced now, the grant is written once and its alarm set once (at its expiry); when an owner cannot answer
    // in time, the alarm announces it right after (needsRegistration), as before.
    const owners = await withDeadline(this.askOwners(state), ANNOUNCE_DEADLINE_MS).catch(logRegistrationFailure);
    const announced = owners ? { ...state, unregistered: false, revoked: owners.revoked } : state;
    this.write(announced);
    // RFC 6749 §5.2 invalid_grant: "revoked". Its session ended, or its user was deleted or signed out everywhere,
    // between the code's issue and its redemption: no tokens (the client has been sent its back-channel logout).
    if (announced.revoked) return fail("the grant was revoked before its code was redeemed");
    return { ok: true, grant: view(state), refreshIssued: issuance.refresh !== undefined };
  }

  /** Revoke the whole grant: its owner (user or client) revoked everything, or its refresh token was revoked. */
  async revokeAll(): Promise<void> {
    const state = this.read();
    if (state && !state.revoked) this.write({ ...state, revoked: true });
  }

  /** Refresh with rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2). */
  async refresh(input: RefreshInput): Promise<RefreshResult> {
    await this.registered();
    const state = this.read();
    const family = state?.refresh;
    if (!state || !family) return fail("unknown refresh token");
    if (state.revoked) return fail("the grant has been revoked");
    // RFC 6749 §6: the refresh token is bound to the client it was issued to.
    if (state.clientId !== input.clientId) return fail("refresh token was issued to another client");
    // RFC 9449 §5: a bound refresh token needs a proof of the same key. Checked before anything else, so a request
    // without the key neither rotates nor (with a rotated-out token) revokes anything.
    if (family.dpopJkt !== undefined && family.dpopJkt !== input.dpopJkt) {
      return fail("the refresh token is bound to another DPoP key");
    }
    const now = nowSeconds();
    const presented = input.presentedHash;
    // "The requested scope MUST NOT include any scope not originally granted" (RFC 6749 §6).
    const widened = input.requestedScope?.filter((s) => !state.scope.includes(s)) ?? [];
    if (widened.length > 0) return fail(`scope not granted: ${widened.join(" ")}`, "invalid_scope");
    const issuance = { ...input.issuance, accessScope: input.requestedScope, refresh: undefined };

    if (presented === family.hash) {
      if (now >= family.expiresAt) return fail("refresh token expired");
      const retired = family.previous
        ? [...family.retired, family.previous.hash].slice(-RETIRED_LIMIT)
        : family.retired;
      const rotated = {
        ...family,
        hash: input.issuance.refresh.hash,
        expiresAt: Math.min(now + family.idleLifetime, family.absoluteExpiresAt),
        previous: { hash: presented, rotatedAt: now, encryptedNext: input.encryptedNext },
        retired,
        // A family issued before the public client used DPoP is bound from its first refresh with a proof.
        dpopJkt: family.dpopJkt ?? input.issuance.refresh.dpopJkt,
      };
      this.write(withIssuance({ ...state, refresh: rotated }, issuance, now));
      return { ok: true, grant: view(state) };
    }
    if (family.previous?.hash === presented && now - family.previous.rotatedAt < family.graceSeconds) {
      // A retry of the same refresh inside the grace window: the same successor, not a revocation.
      this.write(withIssuance(state, issuance, now));
      return { ok: true, grant: view(state), retryOf: family.previous.encryptedNext };
    }
    if (family.previous?.hash === presented || family.retired.includes(presented)) {
      // RFC 9700 §4.14.2: a rotated-out refresh token used again means it leaked: revoke the whole grant.
      this.write({ ...state, revoked: true });
      audit({ event: "refresh_token.reused", clientId: state.clientId, sub: state.sub });
      return fail("refresh token already used; the grant is revoked");
    }
    return fail("unknown refresh token");
  }

  /** An opaque access token or the current refresh token, for introspection and userinfo. */
  async lookupHandle(hash: string): Promise<TokenInfo | null> {
    await this.registered();
    const state = this.liveState();
    if (!state) return null;
    const now = nowSeconds();
    const opaque = state.opaque.find((t) => t.hash === hash && now < t.expiresAt);
    if (opaque) {
      return {
        kind: "access_token",
        grant: view(state),
        scope: opaque.scope,
        iat: opaque.iat,
        exp: opaque.expiresAt,
        aud: opaque.aud,
        jkt: opaque.jkt,
      };
    }
    const family = state.refresh;
    if (family && family.hash === hash && now < family.expiresAt) {
      return { kind: "refresh_token", grant: view(state), scope: state.scope, iat: undefined, exp: family.expiresAt };
    }
    return null;
  }

  /** The grant behind a JWT access token, or null when it or the token was revoked or has expired. */
  async jwtGrant(jti: string): Promise<GrantView | null> {
    await this.registered();
    const state = this.liveState();
    if (!state || this.jtiRevoked(state, jti)) return null;
    return view(state);
  }

  /** RFC 7009 §2.1: revoke an opaque access token, or (a refresh token) the whole grant. */
  async revokeHandle(hash: string, clientId: string): Promise<RevokeOutcome> {
    const state = this.read();
    if (!state) return "not_found";
    const isOpaque = state.opaque.some((t) => t.hash === hash);
    const family = state.refresh;
    const isRefresh =
      family !== undefined && (family.hash === hash || family.previous?.hash === hash || family.retired.includes(hash));
    if (!isOpaque && !isRefresh) return "not_found";
    // "The authorization server first validates the client credentials ... and then verifies whether the token
    // was issued to the client making the revocation request."
    if (state.clientId !== clientId) return "wrong_client";
    // Revoking a refresh token revokes the grant and every access token issued from it (RFC 7009 §2.1 SHOULD).
    this.write(
      isRefresh ? { ...state, revoked: true } : { ...state, opaque: state.opaque.filter((t) => t.hash !== hash) },
    );
    return "revoked";
  }

  async revokeJwt(jti: string, clientId: string): Promise<RevokeOutcome> {
    const state = this.read();
    if (!state) return "not_found";
    if (state.clientId !== clientId) return "wrong_client";
    // One small row per revoked token, not a rewrite of the grant's state (which grew with each one): however many
    // are revoked, each stays revoked until it expires (the grant outlives its tokens, then deleteAll takes them).
    this.ctx.storage.kv.put(doKeys.grant.revokedJti(jti), REVOKED);
    return "revoked";
  }

  /** Revoked on its own: a row of its own, or (grants stored before those rows) the state's list. */
  private jtiRevoked(state: GrantState, jti: string): boolean {
    return state.revokedJti.includes(jti) || this.ctx.storage.kv.get(doKeys.grant.revokedJti(jti)) !== undefined;
  }

  override async alarm(): Promise<void> {
    let state = this.read();
    if (state && needsRegistration(state)) {
      state = await this.registerWithOwners(state);
      if (needsRegistration(state)) {
        this.alarmAt = (nowSeconds() + REGISTER_RETRY_SECONDS) * 1000;
        await this.ctx.storage.setAlarm(this.alarmAt);
        return;
      }
    }
    if (state && nowSeconds() < state.expiresAt) {
      this.alarmAt = state.expiresAt * 1000;
      await this.ctx.storage.setAlarm(this.alarmAt);
      return;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.cached = null;
    this.alarmAt = undefined;
  }

  /**
   * Announces the grant to its user's Account and its client's ClientState, which revoke it when the user or
   * the client is. Either may answer that it is revoked already (the user was deleted meanwhile, say).
   */
  private async askOwners(state: GrantState): Promise<{ revoked: boolean }> {
    const registration = {
      grantId: this.ctx.id.toString(),
      clientId: state.clientId,
      sub: state.sub,
      sid: state.sid,
      // What outlives a sign-out is access the user granted for when they are away (offline_access), not a
      // refresh token the client gets anyway (always_issue_refresh_token): Back-Channel Logout 1.0 §2.7.
      offline: state.scope.includes("offline_access"),
      credential: state.credential,
      authorizedAtMs: state.authorizedAtMs,
      createdAtMs: state.createdAtMs ?? (state.authTime ?? 0) * 1000,
      // The longest the grant can live: refreshes extend it, never past the family's absolute expiry plus the
      // lifetime of the last access token issued from it.
      exp: Math.max(state.expiresAt, (state.refresh?.absoluteExpiresAt ?? 0) + config.keys.maxTokenLifetimeSeconds),
    };
    // Grants stored before owners existed include client_credentials ones (no auth_time, sub = the client):
    // those have no user to announce themselves to.
    const hasUser = state.authTime !== undefined;
    const [user, client] = await Promise.all([
      hasUser ? objects.account(this.env, state.sub).registerGrant(registration) : { revoked: false },
      objects.clientState(this.env, state.clientId, grantShard(registration.grantId)).registerGrant(registration),
    ]);
    return { revoked: user.revoked || client.revoked };
  }

  /** The alarm's (or a first use's) announcement of a grant its redemption could not announce. */
  private async registerWithOwners(state: GrantState): Promise<GrantState> {
    const owners = await this.askOwners(state).catch(logRegistrationFailure);
    if (!owners) return state;
    // Re-read: a redemption or refresh may have changed the state while the owners answered, or the alarm
    // may have deleted an expired grant (then there is nothing to write back).
    const current = this.read();
    if (!current) return state;
    const next = { ...current, unregistered: false, revoked: current.revoked || owners.revoked };
    this.ctx.storage.kv.put(STATE_KEY, next);
    this.cached = next;
    return next;
  }

  /**
   * A grant is used before its alarm has announced it (a refresh, userinfo or introspection in the first
   * milliseconds): announce it now, so a revocation by its owners can never be missed. What follows re-reads the
   * state and runs synchronously, so the check-and-update stays one atomic step.
   */
  private async registered(): Promise<void> {
    const state = this.read();
    if (state && needsRegistration(state)) await this.registerWithOwners(state);
  }

  private liveState(): GrantState | null {
    const state = this.read();
    return state && !state.revoked && nowSeconds() < state.expiresAt ? state : null;
  }

  /**
   * The state, parsed once per object instance: this instance is the only writer of its storage, so the parsed
   * copy stays exact (write() and the alarm's deletion keep it so).
   */
  private read(): GrantState | null {
    if (this.cached !== undefined) return this.cached;
    const raw = this.ctx.storage.kv.get(STATE_KEY);
    const parsed = raw === undefined ? undefined : v.safeParse(GrantState, raw);
    if (parsed && !parsed.success) console.error("grant state failed validation");
    this.cached = parsed?.success ? parsed.output : null;
    return this.cached;
  }

  private write(state: GrantState): void {
    this.ctx.storage.kv.put(STATE_KEY, state);
    this.cached = state;
    // The alarm registers a new grant with its owners at once, then deletes the state once everything issued
    // from the grant has expired; the output gate orders this write with the put above. It is set only when it
    // must come earlier: a later expiry (each refresh) is found by the alarm itself, which then re-arms, so a
    // refresh costs one storage write, not two (setting an alarm costs about as much as a write).
    const alarmAt = needsRegistration(state) ? 0 : state.expiresAt * 1000;
    if (this.alarmAt === undefined || alarmAt < this.alarmAt) {
      void this.ctx.storage.setAlarm(alarmAt === 0 ? Date.now() : alarmAt);
      this.alarmAt = alarmAt;
    }
  }
}

/** A revoked JWT's row: its presence is the fact (versioned like every record). */
const REVOKED = { v: 1 } as const;

/** How long a redemption waits for the grant's owners before leaving the announcement to the alarm. */
const ANNOUNCE_DEADLINE_MS = 1_000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function logRegistrationFailure(err: unknown): undefined {
  console.error("grant registration failed; retrying", err instanceof Error ? err.message : "unknown");
  return undefined;
}

/** Not yet announced to its owners: new grants, and grants stored before owners existed (no flag at all). */
function needsRegistration(state: GrantState): boolean {
  return state.unregistered !== false && !state.revoked;
}

/** Which of the client's ClientState shards keeps this grant's reference (spread, so no one object is hot). */
function grantShard(grantId: string): number {
  return Number.parseInt(grantId.slice(0, 8), 16) % config.clientStateShards;
}

function newState(init: GrantInit): GrantState {
  return {
    v: 1,
    ...init,
    createdAtMs: nowMillis(),
    unregistered: true,
    opaque: [],
    revokedJti: [],
    revoked: false,
    expiresAt: 0,
  };
}

/** Registers the tokens of one issuance and extends the grant's life to cover them. */
function withIssuance(state: GrantState, issuance: Issuance, now: number): GrantState {
  const opaque = state.opaque.filter((t) => t.expiresAt > now);
  if (issuance.opaqueHash) {
    const scope = issuance.accessScope ?? state.scope;
    const aud = issuance.audience ? { aud: issuance.audience } : {};
    const jkt = issuance.dpopJkt ? { jkt: issuance.dpopJkt } : {};
    opaque.push({
      hash: issuance.opaqueHash,
      iat: now,
      expiresAt: issuance.accessTokenExpiresAt,
      scope,
      ...aud,
      ...jkt,
    });
  }
  let refresh = state.refresh;
  if (issuance.refresh && !refresh) {
    const absoluteExpiresAt = now + issuance.refresh.absoluteLifetime;
    refresh = {
      hash: issuance.refresh.hash,
      expiresAt: Math.min(now + issuance.refresh.idleLifetime, absoluteExpiresAt),
      absoluteExpiresAt,
      idleLifetime: issuance.refresh.idleLifetime,
      graceSeconds: issuance.refresh.graceSeconds,
      retired: [],
      ...(issuance.refresh.dpopJkt ? { dpopJkt: issuance.refresh.dpopJkt } : {}),
    };
  }
  const expiresAt = Math.max(state.expiresAt, issuance.accessTokenExpiresAt, refresh?.expiresAt ?? 0);
  return { ...state, opaque, ...(refresh ? { refresh } : {}), expiresAt };
}

/** RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too (PKCE downgrade). */
function checkPkce(challenge: string | undefined, verifierChallenge: string | undefined): string | undefined {
  if (challenge === undefined) {
    return verifierChallenge === undefined ? undefined : "code_verifier sent but no code_challenge was";
  }
  if (verifierChallenge === undefined) return "code_verifier is required";
  return verifierChallenge === challenge ? undefined : "code_verifier does not match the code_challenge";
}

function fail(reason: string, error: Failure["error"] = "invalid_grant"): Failure {
  return { ok: false, reason, error };
}

function view(state: GrantState): GrantView {
  const { clientId, sub, scope, nonce, authTime, amr, acr, claims, sid } = state;
  return { clientId, sub, scope, nonce, authTime, amr, acr, claims, sid };
}
