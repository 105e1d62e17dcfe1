// The sign-in journey, from a validated authorization request to the code: one module owns it. `startJourney`
// begins an interaction (from /authorize, plain or pushed); `resume(interaction, event)` is how every page
// continues it: a way of signing in (src/authorization/steps/), a consent decision, a cancel, "not you?". After
// each, the interaction policy (policy.ts) decides the next step, or the code is sealed and sent. Routes only read
// the request, build the event, and return what this module answers.
import type { Context } from "hono";
import { findClient } from "../clients/registry";
import type { ConsentQuery } from "../durable/account";
import type { Client } from "../clients/schema";
import { nowMillis, nowSeconds } from "../clock";
import { config } from "../config";
import type { AppEnv } from "../env";
import { accessDenied, invalidRequest } from "../errors";
import { endSession, readSession, type Session } from "../session/session";
import { objects } from "../storage";
import { consentItems } from "../tokens/claims";
import { wantsRefreshToken } from "../tokens/issue";
import { accountClient, accountPageUrl, isAccountClient } from "./account-client";
import { acrClaim, acrDemand } from "./acr";
import { sealCode } from "./code";
import { beginInteraction, type Interaction } from "./interaction";
import { renderConsentStep, renderFactorStep, renderLoginStep, renderPasskeyOfferStep } from "./pages";
import { nextPrompt, type Facts, type PromptName, type SessionStanding } from "./policy";
import type { AuthorizationRequest } from "./request";
import { authorizationError, authorizationResponse, type RedirectTarget } from "./response";
import { currentSigner, factorStep, passkeyStep, type FactorInput } from "./steps/factor";
import type { StepOutcome } from "./steps/outcome";
import { answerOffer, offerSession, offersPasskey } from "./steps/passkey-offer";
import { passwordStep } from "./steps/password";

export type JourneyEvent =
  | {
      type: "password";
      username: string | undefined;
      password: string | undefined;
      source: string | undefined;
      /** The page's script found this device can make a passkey (src/views/passkey-script.ts). */
      passkeyCapable: boolean;
    }
  /** A passkey from the login page: it names its user. */
  | { type: "passkey"; response: string | undefined; challengeToken: string | undefined }
  /** The second step, or a step-up: an app code, a recovery code or a passkey of the user already known. */
  | { type: "factor"; input: FactorInput }
  /** The offer of a passkey after a password sign-in: a new passkey's response, or "not now". */
  | { type: "passkey_offer"; add: boolean; response: string | undefined; challengeToken: string | undefined }
  | { type: "consent"; allow: boolean }
  | { type: "cancel" }
  | { type: "switch_account" };

/** A validated request begins an interaction (a signed value, no storage) and goes as far as it can. */
export async function startJourney(c: Context<AppEnv>, client: Client, request: AuthorizationRequest) {
  const interaction = await beginInteraction(c.env, request);
  return proceed(c, client, interaction, await readSession(c));
}

/**
 * The account page's sign-in: an interaction of the built-in account client, back to /account when done.
 * `reauthenticate`: the session is too old for a change of credentials (prompt=login, OIDC Core §3.1.2.1).
 */
export async function startAccountSignIn(c: Context<AppEnv>, reauthenticate: boolean): Promise<Response> {
  const client = accountClient(c, undefined);
  const request: AuthorizationRequest = {
    client_id: client.client_id,
    redirect_uri: accountPageUrl(c.env),
    response_mode: "query",
    scope: ["openid"],
    prompt: reauthenticate ? ["login"] : [],
  };
  return startJourney(c, client, request);
}

/** Continues an interaction with what the user did on one of its pages. */
export async function resume(c: Context<AppEnv>, interaction: Interaction, event: JourneyEvent): Promise<Response> {
  const client = await interactionClient(c, interaction);
  const consentFor = consentQuery(client, interaction);
  switch (event.type) {
    case "cancel":
      // RFC 6749 §4.1.2.1: the user declined to sign in; the client hears access_denied (with its state).
      return authorizationError(c, redirectTarget(interaction.req), accessDenied("the user cancelled the sign-in"));
    case "switch_account":
      return switchAccount(c, interaction);
    case "consent":
      return decideConsent(c, client, interaction, event.allow);
    case "passkey_offer":
      return answerPasskeyOffer(c, client, interaction, event);
    case "password": {
      const outcome = await passwordStep(c, interaction, event.username, event.password, event.source, consentFor);
      if (outcome.kind === "signed_in" && !outcome.hasPasskey && offersPasskey(c, client, event.passkeyCapable)) {
        return toStep(c, interaction, "passkey_offer");
      }
      return afterStep(c, client, interaction, outcome, () =>
        renderLoginStep(c, client, interaction, { error: loginError(outcome), loginHint: event.username }),
      );
    }
    case "passkey": {
      const outcome = await passkeyStep(c, interaction, { kind: "passkey", ...event }, consentFor);
      return afterStep(c, client, interaction, outcome, () =>
        renderLoginStep(c, client, interaction, { error: loginError(outcome) }),
      );
    }
    case "factor": {
      const outcome = await factorStep(c, interaction, event.input, consentFor);
      // Nothing proven in this interaction any more (the first factor's cookie expired): start at the login page.
      if (outcome.kind === "failed" && outcome.error === "expired") {
        return renderLoginStep(c, client, interaction, { error: "expired" });
      }
      return afterStep(c, client, interaction, outcome, () => factorPage(c, client, interaction, factorError(outcome)));
    }
  }
}

/** "Add a passkey" or "Not now"; either way the journey goes on (a failed registration shows the offer again). */
async function answerPasskeyOffer(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  event: JourneyEvent & { type: "passkey_offer" },
): Promise<Response> {
  const session = await offerSession(c, interaction);
  if (!session) return toStep(c, interaction, "login");
  const answer = event.add
    ? { add: true as const, response: event.response, challengeToken: event.challengeToken }
    : { add: false as const };
  if (!(await answerOffer(c, session, answer))) return renderPasskeyOfferStep(c, client, interaction, session, true);
  return proceed(c, client, interaction, session);
}

/** After a way of signing in: on with the new session, to the second factor, or the page again with its error. */
function afterStep(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  outcome: StepOutcome,
  again: () => Promise<Response>,
): Promise<Response> | Response {
  // The Account answered the consent question with the sign-in: the policy asks it nothing more.
  if (outcome.kind === "signed_in") {
    const standing = () => Promise.resolve({ live: true, consented: outcome.consented });
    return proceed(c, client, interaction, outcome.session, { standing });
  }
  if (outcome.kind === "second_factor") return toStep(c, interaction, "mfa");
  return again();
}

function loginError(outcome: StepOutcome) {
  if (outcome.kind !== "failed") return undefined;
  return outcome.error === "throttled" || outcome.error === "passkey_failed" || outcome.error === "expired"
    ? outcome.error
    : "wrong_password";
}

function factorError(outcome: StepOutcome) {
  if (outcome.kind !== "failed") return undefined;
  return outcome.error === "code_throttled" || outcome.error === "passkey_failed" ? outcome.error : "wrong_code";
}

/** The second-factor page for whoever this interaction has proven so far; the login page when nobody. */
async function factorPage(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  error?: "wrong_code" | "code_throttled" | "passkey_failed",
): Promise<Response> {
  const signer = await currentSigner(c, interaction);
  if (!signer) return renderLoginStep(c, client, interaction, { loginHint: interaction.req.login_hint });
  const sub = signer.kind === "session" ? signer.session.sub : signer.sub;
  const factors = await objects.account(c.env, sub).factorSummary();
  const choice = {
    totp: factors.totp,
    recoveryCodes: factors.recoveryCodesLeft > 0,
    passkeyIds: factors.passkeys.map((p) => p.id),
  };
  return renderFactorStep(c, client, interaction, choice, error);
}

/** The page of a step, or (a stale or guessed URL) the step the policy asks for instead. */
export async function showStep(c: Context<AppEnv>, interaction: Interaction, step: Step) {
  const client = await interactionClient(c, interaction);
  if (step === "passkey_offer") {
    const session = await offerSession(c, interaction);
    return session ? renderPasskeyOfferStep(c, client, interaction, session) : toStep(c, interaction, "login");
  }
  if (step === "login") return renderLoginStep(c, client, interaction, { loginHint: interaction.req.login_hint });
  if (step === "mfa") return factorPage(c, client, interaction);
  // The consent page only for a session that satisfies the request's sign-in demands: going straight to its URL
  // must not skip a re-authentication or step-up the request demanded.
  const session = await readSession(c);
  const next = await askPolicy(c, client, interaction, session, { satisfied: ["consent"] });
  if (next || !session) return toStep(c, interaction, next?.prompt ?? "login");
  return renderConsentStep(c, client, interaction, session);
}

/** What comes next for this session: the first prompt the policy finds, else the code. */
async function proceed(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  session: Session | null,
  options: PolicyOptions = {},
): Promise<Response> {
  const next = await askPolicy(c, client, interaction, session, options);
  // The policy's first check finds a missing session, so no prompt means a session.
  if (!next) return session ? issueCode(c, client, interaction.req, session) : toStep(c, interaction, "login");
  // OIDC Core §3.1.2.1 prompt=none: "The Authorization Server MUST NOT display any authentication or consent user
  // interface pages"; the check's error goes back to the client.
  if (interaction.req.prompt.includes("none")) {
    return authorizationError(c, redirectTarget(interaction.req), next.check.error(next.check.description));
  }
  return toStep(c, interaction, next.prompt);
}

type Standing = (session: Session) => Promise<SessionStanding>;

/** `standing`: the Account's answer when it is known already (a sign-in, a consent just recorded). */
interface PolicyOptions {
  standing?: Standing;
  satisfied?: readonly PromptName[];
}

/** The policy's next prompt for this session; the Account is asked (once) only if a check needs it. */
function askPolicy(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  session: Session | null,
  options: PolicyOptions,
) {
  const standing = options.standing ?? ((s: Session) => accountStanding(c, client, interaction, s));
  return nextPrompt(facts(c, client, interaction, session, standing), options.satisfied);
}

function facts(
  c: Context<AppEnv>,
  client: Client,
  interaction: Interaction,
  session: Session | null,
  standing: Standing,
): Facts {
  let asked: Promise<SessionStanding> | undefined;
  return {
    env: c.env,
    client,
    interaction,
    session,
    standing: () => (session ? (asked ??= standing(session)) : Promise.resolve({ live: false, consented: false })),
  };
}

/** One call to the user's Account: is the session live, and is this request's consent on record. */
function accountStanding(c: Context<AppEnv>, client: Client, interaction: Interaction, session: Session) {
  return objects.account(c.env, session.sub).standing({ sid: session.sid, ...consentQuery(client, interaction) });
}

/** The consent this request needs: its scopes and claims, none for a client that skips consent. */
function consentQuery(client: Client, interaction: Interaction): ConsentQuery {
  const { req } = interaction;
  return { clientId: client.client_id, items: client.skip_consent ? [] : consentItems(req.scope, req.claims) };
}

/**
 * The user's decision on the consent page. Allowing records the consent in the Account, which answers in the same
 * call whether the session is still live; the sign-in checks run first, on the cookie's claims.
 */
async function decideConsent(c: Context<AppEnv>, client: Client, interaction: Interaction, allow: boolean) {
  const { req } = interaction;
  if (!allow) return authorizationError(c, redirectTarget(req), accessDenied("the user denied access"));
  const record = async (session: Session): Promise<SessionStanding> => {
    const items = consentItems(req.scope, req.claims);
    const live = await objects.account(c.env, session.sub).consent(session.sid, req.client_id, items);
    return { live, consented: live };
  };
  return proceed(c, client, interaction, await readSession(c), { standing: record, satisfied: ["consent"] });
}

/**
 * "Not you?": this browser forgets its session and shows the login page of the same interaction. The person signed
 * in here is someone else: their session ends on the server too (its applications are told, src/logout), so the
 * next person at this browser cannot pick it up again.
 */
async function switchAccount(c: Context<AppEnv>, interaction: Interaction): Promise<Response> {
  const session = await readSession(c);
  if (session) await endSession(c, session);
  return toStep(c, interaction, "login");
}

/** The pages of the journey: the policy's prompts, and the offer of a passkey after a password. */
export type Step = PromptName | "passkey_offer";

function toStep(c: Context<AppEnv>, interaction: Interaction, step: Step): Response {
  const query = `interaction=${encodeURIComponent(interaction.token)}`;
  if (step === "consent") return c.redirect(`/consent?${query}`, 303);
  return c.redirect(step === "login" ? `/login?${query}` : `/login?${query}&step=${step}`, 303);
}

/** Sends the client a code that seals the grant (src/authorization/code.ts); nothing is stored until it is redeemed. */
async function issueCode(c: Context<AppEnv>, client: Client, req: AuthorizationRequest, session: Session) {
  // The account page's own sign-in needs no code: the session cookie is what it reads.
  if (isAccountClient(client.client_id)) return c.redirect("/account", 303);
  const code = await sealCode(c.env, {
    v: 1,
    init: {
      clientId: req.client_id,
      sub: session.sub,
      scope: req.scope,
      authTime: session.auth_time,
      amr: session.amr,
      acr: acrClaim(session.amr, acrDemand(c.env, client, req)),
      nonce: req.nonce,
      claims: req.claims,
      offline: wantsRefreshToken(client, req.scope),
      sid: session.sid,
      authorizedAtMs: nowMillis(),
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
async function interactionClient(c: Context<AppEnv>, interaction: Interaction): Promise<Client> {
  if (isAccountClient(interaction.req.client_id)) {
    return accountClient(c, interaction.req.ui_locales);
  }
  const client = await findClient(c.env, interaction.req.client_id);
  const stillValid =
    client?.redirect_uris.includes(interaction.req.redirect_uri) && client.grant_types.includes("authorization_code");
  if (!client || !stillValid) throw invalidRequest("this application's sign-in has changed; start again");
  return client;
}

/** Where the answer to a validated request goes. */
function redirectTarget(req: AuthorizationRequest): RedirectTarget {
  return { redirectUri: req.redirect_uri, responseMode: req.response_mode, state: req.state };
}
