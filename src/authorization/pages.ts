// The journey's pages, drawn for an interaction: the login page (with its passkey sign-in), the second-factor page
// and the consent page, in the request's language (OIDC Core §3.1.2.1 ui_locales), with this browser's CSRF token
// for the interaction. Each passkey ceremony gets a fresh challenge bound to the interaction (no storage).
import type { Context } from "hono";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { csrfToken } from "../session/csrf";
import type { Session } from "../session/session";
import { consentItems } from "../tokens/claims";
import { renderConsent } from "../views/consent";
import { pageLocale } from "../views/i18n";
import { passkeyCreationOptions, passkeyRequestOptions } from "../lib/webauthn";
import { issueChallenge } from "../session/challenge";
import { relyingParty, userHandle } from "../users/passkeys";
import { displayName, findUserBySub, type User } from "../users/store";
import { brandFrom } from "../views/branding";
import { renderPasskeyOffer } from "../views/passkey-offer";
import { renderLogin, type LoginView } from "../views/login";
import type { PasskeyCeremony } from "../views/passkey";
import { renderSecondFactor, type SecondFactorView } from "../views/second-factor";
import type { Interaction } from "./interaction";

async function common(c: Context<AppEnv>, client: Client, interaction: Interaction) {
  return {
    locale: pageLocale(c, interaction.req.ui_locales),
    interaction: interaction.token,
    csrf: await csrfToken(c, interaction.jti),
    clientName: client.client_name ?? client.client_id,
  };
}

export async function renderLoginStep(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  view: { loginHint?: string | undefined; error?: LoginView["error"] },
): Promise<Response> {
  const passkey = await passkeyCeremony(c, interaction, []);
  return renderLogin(c, { ...(await common(c, client, interaction)), ...view, passkey }, view.error ? 401 : 200);
}

/** What the second-factor page offers: the user's own factors (no secret). */
export interface FactorChoice {
  totp: boolean;
  recoveryCodes: boolean;
  passkeyIds: string[];
}

export async function renderFactorStep(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  factors: FactorChoice,
  error?: SecondFactorView["error"],
): Promise<Response> {
  const passkey = factors.passkeyIds.length > 0 ? await passkeyCeremony(c, interaction, factors.passkeyIds) : undefined;
  return renderSecondFactor(c, {
    ...(await common(c, client, interaction)),
    totp: factors.totp,
    recoveryCodes: factors.recoveryCodes,
    passkey,
    error,
  });
}

/**
 * WebAuthn request options with a new challenge for this interaction: no allowCredentials for a discoverable
 * sign-in (the browser offers the user's passkeys), the user's own for a second factor.
 */
async function passkeyCeremony(
  c: Context<AppEnv>,
  interaction: Interaction,
  allow: string[],
): Promise<PasskeyCeremony> {
  const { challenge, token } = await issueChallenge(c.env, "sign_in", interaction.jti);
  const { rpId } = relyingParty(c.env);
  const options = passkeyRequestOptions({
    rpId,
    challenge,
    ...(allow.length > 0 ? { allowCredentialIds: allow } : {}),
  });
  return { options, challengeToken: token };
}

export async function renderConsentStep(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  session: Session,
): Promise<Response> {
  return renderConsent(c, {
    ...(await common(c, client, interaction)),
    userName: await signedInName(c, session),
    items: consentItems(interaction.req.scope, interaction.req.claims),
  });
}

/** Who the consent page says is signed in (one cached KV read, this page only). */
async function signedInName(c: Context<AppEnv>, session: Session): Promise<string> {
  const user = await findUserBySub(c.env, session.sub);
  return user ? displayName(user) : session.sub;
}

/** WebAuthn creation options for a new passkey of the signed-in user, the challenge bound to the session. */
export async function passkeyCreationCeremony(
  c: Context<AppEnv>,
  session: Session,
  user: User | null,
  existing: string[],
): Promise<PasskeyCeremony> {
  const { challenge, token } = await issueChallenge(c.env, "register", session.sid);
  const { rpId } = relyingParty(c.env);
  const name = user ? displayName(user) : session.sub;
  const options = passkeyCreationOptions({
    rpId,
    rpName: brandFrom(c.env).name,
    userHandle: await userHandle(c.env, session.sub),
    userName: user?.username ?? session.sub,
    userDisplayName: name,
    challenge,
    excludeCredentialIds: existing,
  });
  return { options, challengeToken: token };
}

/** After a password sign-in: the offer to add a passkey, for the session's user. */
export async function renderPasskeyOfferStep(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  session: Session,
  failed = false,
): Promise<Response> {
  const { locale, interaction: token, csrf } = await common(c, client, interaction);
  const ceremony = await passkeyCreationCeremony(c, session, await findUserBySub(c.env, session.sub), []);
  return renderPasskeyOffer(c, { locale, interaction: token, csrf, ceremony, failed });
}
