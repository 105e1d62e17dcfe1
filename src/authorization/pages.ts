// The journey's pages, drawn for an interaction: the login page (with its passkey sign-in), the second-factor page
// and the consent page, in the request's language (OIDC Core §3.1.2.1 ui_locales), with this browser's CSRF token
// for the interaction. Each passkey ceremony gets a fresh challenge bound to the interaction (no storage).
import type { Context } from "hono";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { csrfToken } from "../session/csrf";
import type { Session } from "../session/session";
import { consentItems } from "../tokens/claims";
import { findUserBySub } from "../users/store";
import { renderConsent } from "../views/consent";
import { pageLocale } from "../views/i18n";
import { passkeyRequestOptions } from "../lib/webauthn";
import { issueChallenge } from "../session/challenge";
import { relyingParty } from "../users/passkeys";
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
    userName: await displayName(c, session),
    items: consentItems(interaction.req.scope, interaction.req.claims),
  });
}

/** Who the consent page says is signed in: the name claim, else the username (one cached KV read, this page only). */
async function displayName(c: Context<AppEnv>, session: Session): Promise<string> {
  const user = await findUserBySub(c.env, session.sub);
  const name = user?.claims.name;
  return typeof name === "string" && name.trim() !== "" ? name : (user?.username ?? session.sub);
}
