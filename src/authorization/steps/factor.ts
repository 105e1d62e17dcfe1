// The steps that complete a sign-in in the user's Account: a passkey (alone, with no username: a discoverable
// credential; or after a password), an authenticator-app code or a recovery code (after a password), and the
// step-up of a live session that has one factor only. The Account checks the proof and starts (or steps up) the
// session in one call; the cookie follows.
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { CompleteSignIn, ConsentQuery, FactorProof } from "../../durable/account";
import { randomToken } from "../../lib/crypto";
import { parseAuthenticationResponse } from "../../lib/webauthn";
import { openChallenge } from "../../session/challenge";
import { dropFirstFactor, heldFirstFactor } from "../../session/pending";
import { deviceOf, readSession, sessionExpiry, writeSessionCookie, type Session } from "../../session/session";
import { objects } from "../../storage";
import { passkeyOwner, relyingParty, userHandle } from "../../users/passkeys";
import type { Interaction } from "../interaction";
import type { StepOutcome } from "./outcome";

export type FactorInput =
  | { kind: "passkey"; response: string | undefined; challengeToken: string | undefined }
  | { kind: "totp"; code: string | undefined }
  | { kind: "recovery"; code: string | undefined };

/** Whose sign-in a factor completes: a password checked in this interaction, or the browser's live session. */
export type Signer =
  | { kind: "first_factor"; sub: string; amr: string[]; credential: string | undefined }
  | { kind: "session"; session: Session };

/** Who the second-factor page is for, or null (nothing proven yet: the login page instead). */
export async function currentSigner(c: Context<AppEnv>, interaction: Interaction): Promise<Signer | null> {
  const held = await heldFirstFactor(c, interaction.jti);
  if (held) return { kind: "first_factor", sub: held.sub, amr: held.amr, credential: held.credential };
  const session = await readSession(c);
  return session ? { kind: "session", session } : null;
}

/** A passkey alone, from the login page: the credential names its user (WebAuthn L3 §7.2, discoverable). */
export async function passkeyStep(
  c: Context<AppEnv>,
  interaction: Interaction,
  input: FactorInput & { kind: "passkey" },
  consentFor: ConsentQuery,
): Promise<StepOutcome> {
  const proof = await passkeyProof(c, interaction, input, null);
  if (!proof) return { kind: "failed", error: "passkey_failed" };
  return complete(c, interaction, proof, null, consentFor);
}

/** A second factor (or a passkey) for the signer: a password just checked, or a live session to step up. */
export async function factorStep(
  c: Context<AppEnv>,
  interaction: Interaction,
  input: FactorInput,
  consentFor: ConsentQuery,
): Promise<StepOutcome> {
  const signer = await currentSigner(c, interaction);
  if (!signer) return { kind: "failed", error: "expired" };
  const sub = signer.kind === "session" ? signer.session.sub : signer.sub;
  const proof =
    input.kind === "passkey"
      ? await passkeyProof(c, interaction, input, sub)
      : input.code
        ? { kind: input.kind, sub, code: input.code.slice(0, 64) }
        : null;
  if (!proof) return { kind: "failed", error: input.kind === "passkey" ? "passkey_failed" : "wrong_code" };
  return complete(c, interaction, proof, signer, consentFor);
}

async function passkeyProof(
  c: Context<AppEnv>,
  interaction: Interaction,
  input: FactorInput & { kind: "passkey" },
  expectedSub: string | null,
): Promise<FactorProof | null> {
  const response = input.response === undefined ? null : parseAuthenticationResponse(input.response);
  const challenge = await openChallenge(c.env, input.challengeToken, "sign_in", interaction.jti);
  if (!response || !challenge) return null;
  const sub = await passkeyOwner(c.env, response.id);
  // A passkey of someone else than the user whose password was checked is no second factor of theirs.
  if (sub === null || (expectedSub !== null && sub !== expectedSub)) return null;
  // WebAuthn L3 §7.2: "If response.userHandle is present, verify that it equals the user handle of the user
  // account": a credential id another user's registration copied does not sign anyone into that account.
  const handle = response.response.userHandle;
  if (handle && handle !== (await userHandle(c.env, sub))) return null;
  return {
    kind: "passkey",
    sub,
    response,
    challenge: challenge.challenge,
    challengeExp: challenge.exp,
    ...relyingParty(c.env),
  };
}

async function complete(
  c: Context<AppEnv>,
  interaction: Interaction,
  proof: FactorProof,
  signer: Signer | null,
  consentFor: ConsentQuery,
): Promise<StepOutcome> {
  const sid = signer?.kind === "session" ? signer.session.sid : randomToken(16);
  const exp = sessionExpiry();
  const input: CompleteSignIn = {
    proof,
    before: signer?.kind === "first_factor" ? { amr: signer.amr, credential: signer.credential } : { amr: [] },
    session: signer?.kind === "session" ? { elevate: sid } : { start: { sid, exp, device: deviceOf(c) } },
    consentFor,
  };
  const outcome = await objects.account(c.env, proof.sub).completeSignIn(input);
  if (!outcome.ok) {
    if (outcome.reason === "throttled") return { kind: "failed", error: "code_throttled" };
    return { kind: "failed", error: proof.kind === "passkey" ? "passkey_failed" : "wrong_code" };
  }
  // A step-up keeps the session's own sign-in (ixn, auth_time): it does not satisfy prompt=login or max_age.
  const ixn = signer?.kind === "session" ? signer.session.ixn : interaction.jti;
  const session = { sub: proof.sub, auth_time: outcome.authTime, amr: outcome.amr, sid, ...(ixn ? { ixn } : {}) };
  await writeSessionCookie(c, session, outcome.exp);
  dropFirstFactor(c);
  return { kind: "signed_in", session, consented: outcome.consented };
}
