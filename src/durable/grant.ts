// Grant: one Durable Object per authorization grant (DESIGN.md §1). Its id travels inside the code
// (`<grant-id>.<secret>`), so every edge location reaches the same object and a code is redeemed exactly once.
// Every check-and-update below is synchronous (SQLite-backed sync KV), so it runs as one atomic step.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { GrantState, type GrantInit, type GrantView, type RedeemCodeInput, type RedeemResult } from "./grant-state";

const STATE_KEY = "grant";

export class Grant extends DurableObject<Env> {
  async create(init: GrantInit): Promise<void> {
    const state: GrantState = { v: 1, ...init, revoked: false, expiresAt: init.codeExpiresAt };
    this.write(state);
  }

  /** Redeem the authorization code: validate, then mark it used, in one synchronous step. */
  async redeemCode(input: RedeemCodeInput): Promise<RedeemResult> {
    const state = this.read();
    if (!state || state.codeHash !== input.codeHash) return { ok: false, reason: "unknown authorization code" };
    if (state.revoked) return { ok: false, reason: "the grant has been revoked" };
    if (state.codeRedeemedAt !== undefined) {
      // RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
      // the request and SHOULD revoke (when possible) all tokens previously issued based on that authorization code."
      this.write({ ...state, revoked: true });
      return { ok: false, reason: "authorization code already used; the grant is revoked" };
    }
    const now = nowSeconds();
    if (now >= state.codeExpiresAt) return { ok: false, reason: "authorization code expired" };
    // RFC 6749 §4.1.3: the code is bound to its client and to the redirect_uri of the authorization request.
    if (state.clientId !== input.clientId) return { ok: false, reason: "authorization code was issued to another client" };
    if (state.redirectUri !== input.redirectUri) return { ok: false, reason: "redirect_uri does not match" };
    const pkceFailure = checkPkce(state.codeChallenge, input.verifierChallenge);
    if (pkceFailure) return { ok: false, reason: pkceFailure };
    this.write({ ...state, codeRedeemedAt: now, expiresAt: Math.max(state.expiresAt, input.tokensExpireAt) });
    return { ok: true, grant: view(state) };
  }

  /** The grant behind an access token, or null when it is revoked, expired or gone. */
  async activeGrant(): Promise<GrantView | null> {
    const state = this.read();
    if (!state || state.revoked || nowSeconds() >= state.expiresAt) return null;
    return view(state);
  }

  override async alarm(): Promise<void> {
    const state = this.read();
    if (state && nowSeconds() < state.expiresAt) {
      await this.ctx.storage.setAlarm(state.expiresAt * 1000);
      return;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private read(): GrantState | null {
    const raw = this.ctx.storage.kv.get(STATE_KEY);
    if (raw === undefined) return null;
    const parsed = v.safeParse(GrantState, raw);
    if (!parsed.success) {
      console.error("grant state failed validation");
      return null;
    }
    return parsed.output;
  }

  private write(state: GrantState): void {
    this.ctx.storage.kv.put(STATE_KEY, state);
    // The alarm deletes the state once everything issued from the grant has expired. setAlarm is
    // asynchronous but its write is ordered with the put above by the output gate.
    void this.ctx.storage.setAlarm(state.expiresAt * 1000);
  }
}

/** RFC 7636 §4.6, and RFC 9700 §2.1.1: a verifier without a challenge is refused too (PKCE downgrade). */
function checkPkce(challenge: string | undefined, verifierChallenge: string | undefined): string | undefined {
  if (challenge === undefined) {
    return verifierChallenge === undefined ? undefined : "code_verifier sent but no code_challenge was";
  }
  if (verifierChallenge === undefined) return "code_verifier is required";
  return verifierChallenge === challenge ? undefined : "code_verifier does not match the code_challenge";
}

function view(state: GrantState): GrantView {
  const { clientId, sub, scope, nonce, authTime, amr, acr, claims } = state;
  return { clientId, sub, scope, nonce, authTime, amr, acr, claims };
}

export function grantStub(env: Env, grantId: DurableObjectId): DurableObjectStub<Grant> {
  return env.GRANT.get(grantId);
}
