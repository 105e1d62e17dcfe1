// The consent page (GET) and the user's decision (POST).
import { Hono, type Context } from "hono";
import { interactionClient, issueCode } from "../authorization/continue";
import { resumeInteraction } from "../authorization/interaction";
import { authorizationResponse } from "../authorization/response";
import type { AppEnv } from "../env";
import { OAuthError, withErrorPage } from "../errors";
import { formParams, queryParams } from "../lib/params";
import { csrfToken, csrfValid } from "../session/csrf";
import { readSession, type Session } from "../session/session";
import { consentItems } from "../tokens/claims";
import { rememberConsent } from "../users/store";
import { renderConsent } from "../views/consent";

export const consent = new Hono<AppEnv>();

consent.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  await signedInUser(c);
  const client = await interactionClient(c, interaction);
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
  const session = await signedInUser(c);
  const { req } = interaction;
  if (form.decision !== "allow") {
    const target = { redirectUri: req.redirect_uri, responseMode: req.response_mode, state: req.state };
    return authorizationResponse(c, target, { error: "access_denied", error_description: "the user denied access" });
  }
  const client = await interactionClient(c, interaction);
  await rememberConsent(c.env, session.sub, req.client_id, consentItems(req.scope, req.claims));
  return issueCode(c, client, req, session);
});

async function signedInUser(c: Context<AppEnv>): Promise<Session> {
  const session = await readSession(c);
  if (!session) {
    throw new OAuthError("invalid_request", "you are not signed in; start again from the application", { page: true });
  }
  return session;
}
