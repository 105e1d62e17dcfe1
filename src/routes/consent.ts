// The consent page (GET) and the user's decision (POST).
import { Hono, type Context } from "hono";
import { interactionClient, issueCode, liveSession, loginSatisfied } from "../authorization/continue";
import { resumeInteraction, type Interaction } from "../authorization/interaction";
import { authorizationResponse } from "../authorization/response";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { OAuthError, withErrorPage } from "../errors";
import { formParams, queryParams } from "../lib/params";
import { csrfToken, csrfValid } from "../session/csrf";
import { readSession, type Session } from "../session/session";
import { objects } from "../storage";
import { consentItems } from "../tokens/claims";
import { renderConsent } from "../views/consent";

export const consent = new Hono<AppEnv>();

consent.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  const client = await interactionClient(c, interaction);
  const session = await authenticatedFor(c, client, interaction);
  if (!session) return toLogin(c, interaction);
  return renderConsent(c, {
    interaction: interaction.token,
    csrf: await csrfToken(c, interaction.jti),
    clientName: client.client_name ?? client.client_id,
    items: consentItems(interaction.req.scope, interaction.req.claims),
  });
});

consent.post("/", async (c) => {
  const form = await withErrorPage(() => formParams(c));
  const interaction = await resumeInteraction(c.env, form.interaction);
  if (!(await csrfValid(c, interaction.jti, form.csrf))) {
    throw new OAuthError("invalid_request", "the form has expired; start again from the application", { page: true, status: 403 });
  }
  const client = await interactionClient(c, interaction);
  // The cookie's claims are checked here; whether the session is still live, the Account answers as it records
  // the consent (one round trip).
  const session = await readSession(c);
  if (!session || !(await loginSatisfied(c.env, client, interaction, session))) return toLogin(c, interaction);
  const { req } = interaction;
  if (form.decision !== "allow") {
    const target = { redirectUri: req.redirect_uri, responseMode: req.response_mode, state: req.state };
    return authorizationResponse(c, target, { error: "access_denied", error_description: "the user denied access" });
  }
  const recorded = await objects.account(c.env, session.sub).consent(session.sid, req.client_id, consentItems(req.scope, req.claims));
  if (!recorded) return toLogin(c, interaction);
  return issueCode(c, client, req, session);
});

/**
 * The session, if it satisfies this request's login requirements (prompt=login, max_age, id_token_hint): going
 * straight to the consent URL must not skip a re-authentication the request demanded.
 */
async function authenticatedFor(c: Context<AppEnv>, client: Client, interaction: Interaction): Promise<Session | null> {
  const session = await liveSession(c);
  return session && (await loginSatisfied(c.env, client, interaction, session)) ? session : null;
}

function toLogin(c: Context<AppEnv>, interaction: Interaction): Response {
  return c.redirect(`/login?interaction=${encodeURIComponent(interaction.token)}`, 303);
}
