// The journey's pages, drawn for an interaction: the login page and the consent page, in the request's language
// (OIDC Core §3.1.2.1 ui_locales), with this browser's CSRF token for the interaction.
import type { Context } from "hono";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { csrfToken } from "../session/csrf";
import type { Session } from "../session/session";
import { consentItems } from "../tokens/claims";
import { findUserBySub } from "../users/store";
import { renderConsent } from "../views/consent";
import { pageLocale } from "../views/i18n";
import { renderLogin, type LoginView } from "../views/login";
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
  return renderLogin(c, { ...(await common(c, client, interaction)), ...view }, view.error ? 401 : 200);
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
