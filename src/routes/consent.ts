// The consent page (GET), the user's decision (POST), and "Not you?" (POST /switch): sign in as someone else.
import { Hono, type Context } from "hono";
import { interactionClient, issueCode, liveSession, loginSatisfied, redirectTarget } from "../authorization/continue";
import { resumeInteraction, type Interaction } from "../authorization/interaction";
import { authorizationError } from "../authorization/response";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { accessDenied } from "../errors";
import { pageErrors } from "../http/errors";
import { formParams, queryParams } from "../http/params";
import { csrfToken, requireCsrf } from "../session/csrf";
import { endSession, readSession, type Session } from "../session/session";
import { objects } from "../storage";
import { consentItems } from "../tokens/claims";
import { findUserBySub } from "../users/store";
import { renderConsent } from "../views/consent";
import { pageLocale } from "../views/i18n";

export const consent = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
consent.onError(pageErrors);

consent.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  const client = await interactionClient(c, interaction);
  const session = await authenticatedFor(c, client, interaction);
  if (!session) return toLogin(c, interaction);
  return renderConsent(c, {
    locale: pageLocale(c, interaction.req.ui_locales),
    interaction: interaction.token,
    csrf: await csrfToken(c, interaction.jti),
    clientName: client.client_name ?? client.client_id,
    userName: await displayName(c, session),
    items: consentItems(interaction.req.scope, interaction.req.claims),
  });
});

consent.post("/", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  const client = await interactionClient(c, interaction);
  // The cookie's claims are checked here; whether the session is still live, the Account answers as it records
  // the consent (one round trip).
  const session = await readSession(c);
  if (!session || !(await loginSatisfied(c.env, client, interaction, session))) return toLogin(c, interaction);
  const { req } = interaction;
  if (form.decision !== "allow")
    return authorizationError(c, redirectTarget(req), accessDenied("the user denied access"));
  const recorded = await objects
    .account(c.env, session.sub)
    .consent(session.sid, req.client_id, consentItems(req.scope, req.claims));
  if (!recorded) return toLogin(c, interaction);
  return issueCode(c, client, req, session);
});

/**
 * "Not you?": this browser forgets its session and shows the login page of the same interaction. A form with the
 * CSRF token, so another site cannot sign a browser out; the session's record in the Account lapses.
 */
consent.post("/switch", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  // The person signed in here is someone else: their session ends on the server too (its applications are told,
  // src/logout), so the next person at this browser cannot pick it up again.
  const session = await readSession(c);
  if (session) await endSession(c, session);
  return toLogin(c, interaction);
});

/** Who the consent page says is signed in: the name claim, else the username (one cached KV read, this page only). */
async function displayName(c: Context<AppEnv>, session: Session): Promise<string> {
  const user = await findUserBySub(c.env, session.sub);
  const name = user?.claims.name;
  return typeof name === "string" && name.trim() !== "" ? name : (user?.username ?? session.sub);
}

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
