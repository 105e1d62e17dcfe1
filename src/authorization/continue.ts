// Deciding what an authorization request needs next: login, consent, or the code (OIDC Core §3.1.2.3).
import type { Context } from "hono";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { AppEnv, Env } from "../env";
import { consentRequired, invalidRequest, loginRequired } from "../errors";
import { readSession, type Session } from "../session/session";
import { objects } from "../storage";
import { sealCode } from "./code";
import { consentItems } from "../tokens/claims";
import { wantsRefreshToken } from "../tokens/issue";
import { subjectFor } from "../tokens/subject";
import type { AuthorizeOutcome } from "../durable/account";
import type { Interaction } from "./interaction";
import { authorizationError, authorizationResponse, type RedirectTarget } from "./response";
import type { AuthorizationRequest } from "./request";

/** `session` is the one just started by a login; otherwise the browser's session cookie is read. */
export async function continueAuthorization(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  freshSession?: Session,
): Promise<Response> {
  const { req } = interaction;
  const target = redirectTarget(req);
  // The cookie's signed claims decide prompt=login and max_age without a round trip; the Account then says, in
  // one call, whether the session is still live (not signed out, user not deleted) and consent is on record.
  const toLogin = () => {
    // OIDC Core §3.1.2.1 prompt=none: "The Authorization Server MUST NOT display any authentication or consent
    // user interface pages"; login_required when the user is not authenticated.
    if (req.prompt.includes("none")) return authorizationError(c, target, loginRequired("the user is not signed in"));
    return c.redirect(`/login?interaction=${encodeURIComponent(interaction.token)}`, 303);
  };
  const session = freshSession ?? (await readSession(c));
  if (!session || !(await loginSatisfied(c.env, client, interaction, session))) return toLogin();
  const outcome = await authorizeInSession(c.env, client, req, session);
  if (outcome === "login_required") return toLogin();
  if (outcome === "consent_required") {
    if (req.prompt.includes("none")) return authorizationError(c, target, consentRequired("consent is required"));
    return c.redirect(`/consent?interaction=${encodeURIComponent(interaction.token)}`, 303);
  }
  return issueCode(c, client, req, session);
}

function authorizeInSession(
  env: Env,
  client: Client,
  req: AuthorizationRequest,
  session: Session,
): Promise<AuthorizeOutcome> {
  const consent = req.prompt.includes("consent") ? "force" : client.skip_consent ? "skip" : "check";
  return objects.account(env, session.sub).authorize({
    sid: session.sid,
    clientId: client.client_id,
    items: consentItems(req.scope, req.claims),
    consent,
  });
}

/** The browser's session, if the cookie is valid and its Account still holds it (not signed out or deleted). */
export async function liveSession(c: Context<AppEnv>): Promise<Session | null> {
  const session = await readSession(c);
  return session && (await objects.account(c.env, session.sub).sessionLive(session.sid)) ? session : null;
}

/**
 * A login during this very interaction satisfies prompt=login and max_age; an older session is checked against
 * them. Every step that can issue a code (here and the consent page) must call this (OIDC Core §3.1.2.1:
 * prompt=login "MUST prompt the End-User for reauthentication").
 */
export async function loginSatisfied(
  env: Env,
  client: Client,
  interaction: Interaction,
  session: Session,
): Promise<boolean> {
  if (session.ixn === interaction.jti) return true;
  return !(await needsLogin(env, client, interaction.req, session));
}

/** prompt=login/select_account, an exceeded max_age (§3.1.2.1) or an id_token_hint naming another user. */
async function needsLogin(env: Env, client: Client, req: AuthorizationRequest, session: Session): Promise<boolean> {
  if (req.prompt.includes("login") || req.prompt.includes("select_account")) return true;
  // max_age=0 always forces a login (OIDC Core §3.1.2.1), hence >= on whole seconds.
  if (req.max_age !== undefined && nowSeconds() - session.auth_time >= req.max_age) return true;
  // The hint carries the sub this client sees (pairwise for pairwise clients, OIDC Core §8).
  return req.hint_sub !== undefined && req.hint_sub !== (await subjectFor(env, client, session.sub));
}

/** Sends the client a code that seals the grant (src/authorization/code.ts); nothing is stored until it is redeemed. */
export async function issueCode(
  c: Context<AppEnv>,
  client: Client,
  req: AuthorizationRequest,
  session: Session,
): Promise<Response> {
  const code = await sealCode(c.env, {
    v: 1,
    init: {
      clientId: req.client_id,
      sub: session.sub,
      scope: req.scope,
      authTime: session.auth_time,
      amr: session.amr,
      nonce: req.nonce,
      claims: req.claims,
      offline: wantsRefreshToken(client, req.scope),
      sid: session.sid,
    },
    expiresAt: nowSeconds() + config.lifetimes.authorizationCode,
    redirectUri: req.redirect_uri,
    challenge: req.code_challenge,
    dpopJkt: req.dpop_jkt,
  });
  return authorizationResponse(c, redirectTarget(req), { code });
}

/**
 * The client of a resumed interaction, checked again: it may have been deleted or changed its redirect URIs
 * since the request was validated, and a code must never go to an unregistered URI (RFC 6749 §3.1.2.3).
 */
export async function interactionClient(c: Context<AppEnv>, interaction: Interaction): Promise<Client> {
  const client = await findClient(c.env, interaction.req.client_id);
  const stillValid =
    client?.redirect_uris.includes(interaction.req.redirect_uri) && client.grant_types.includes("authorization_code");
  if (!client || !stillValid) throw invalidRequest("this application's sign-in has changed; start again");
  return client;
}

/** Where the answer to a validated request goes. */
export function redirectTarget(req: AuthorizationRequest): RedirectTarget {
  return { redirectUri: req.redirect_uri, responseMode: req.response_mode, state: req.state };
}
