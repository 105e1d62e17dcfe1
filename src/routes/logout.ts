// The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): GET or POST (§2: "The OP MUST support the use
// of the HTTP GET and POST methods"). A request tied to this browser's session by its id_token_hint signs out at
// once; any other is confirmed by the user first. Every client of the ended session is told through its
// backchannel_logout_uri by the user's Account (src/durable/account.ts), after this answer.
import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { requestRefused } from "../errors";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, type Params } from "../http/params";
import { noStore } from "../http/no-store";
import { audit } from "../lib/audit";
import { randomToken } from "../lib/crypto";
import { postLogoutLocation, validateLogoutRequest, type LogoutRequest } from "../logout/request";
import { csrfToken, requireCsrf } from "../session/csrf";
import { signInternal, verifyInternal } from "../session/mac";
import { dropSessionCookie, endSession, readSession, type Session } from "../session/session";
import { objects } from "../storage";
import { sidFor, subjectFor } from "../tokens/subject";
import { pageLocale } from "../views/i18n";
import { renderLogoutConfirm, renderSignedOut } from "../views/logout";

export const logout = new Hono<AppEnv>();

// A browser page: every error is shown on our error page, never redirected (§3).
logout.onError(pageErrors);
logout.use(noStore);

logout.get("/", (c) => logoutRequest(c, queryParams(c)));
logout.post("/", async (c) => {
  const form = await formParams(c);
  return form.logout === undefined ? logoutRequest(c, form) : confirmation(c, form);
});

/** The typ of the signed request the confirmation form carries; the form expires with it. */
const CONFIRM_TYP = "eo-logout+jwt";
const CONFIRM_SECONDS = 600;
const ConfirmState = v.object({
  jti: v.string(),
  client_id: v.optional(v.string()),
  post_logout_redirect_uri: v.optional(v.string()),
  state: v.optional(v.string()),
  ui_locales: v.optional(v.string()),
});

async function logoutRequest(c: Context<AppEnv>, params: Params): Promise<Response> {
  const request = await validateLogoutRequest(c.env, params);
  const session = await readSession(c);
  if (!session) return finish(c, request, "signed_out");
  if (await tiedToSession(c, request, session)) {
    await signOut(c, session, request, false);
    return finish(c, request, "signed_out");
  }
  // §2: "the OP MUST ask the End-User this question if an id_token_hint was not provided or if the supplied ID
  // Token does not belong to the current OP session": unless there is no live session to end.
  if (!(await objects.account(c.env, session.sub).sessionLive(session.sid))) {
    dropSessionCookie(c);
    return finish(c, request, "signed_out");
  }
  const jti = randomToken(16);
  const state = {
    jti,
    client_id: request.client?.client_id,
    post_logout_redirect_uri: request.redirect?.uri,
    state: request.redirect?.state,
    ui_locales: request.uiLocales,
  } satisfies v.InferOutput<typeof ConfirmState>;
  return renderLogoutConfirm(c, {
    locale: pageLocale(c, request.uiLocales),
    logout: await signInternal(c.env, CONFIRM_TYP, state, CONFIRM_SECONDS),
    csrf: await csrfToken(c, jti),
    clientName: request.client ? (request.client.client_name ?? request.client.client_id) : undefined,
  });
}

/** The user's answer on the confirmation page: the request is validated again (the client may have changed). */
async function confirmation(c: Context<AppEnv>, form: Params): Promise<Response> {
  const parsed = v.safeParse(ConfirmState, await verifyInternal(c.env, CONFIRM_TYP, form.logout ?? ""));
  if (!parsed.success) throw requestRefused(403, "the sign-out form has expired; start again from the application");
  const { jti, ...params } = parsed.output;
  await requireCsrf(c, jti, form.csrf);
  const request = await validateLogoutRequest(c.env, definedOnly(params));
  if (form.decision !== "logout") return finish(c, request, "stayed");
  const session = await readSession(c);
  if (session) await signOut(c, session, request, true);
  return finish(c, request, "signed_out");
}

/**
 * §2: the hint's session is this browser's, and the user it names is the one signed in; both as the hint's client
 * sees them (its sid and sub are per sector for a pairwise client, OIDC Core §8).
 */
async function tiedToSession(c: Context<AppEnv>, request: LogoutRequest, session: Session): Promise<boolean> {
  const { hint, client } = request;
  if (!hint || !client || hint.sid === undefined) return false;
  const [sid, sub] = await Promise.all([sidFor(c.env, client, session.sid), subjectFor(c.env, client, session.sub)]);
  return hint.sid === sid && hint.sub === sub;
}

async function signOut(c: Context<AppEnv>, session: Session, request: LogoutRequest, confirmed: boolean) {
  if (await endSession(c, session))
    audit({ event: "session.ended", sub: session.sub, clientId: request.client?.client_id, confirmed });
}

/**
 * Back to the application when it registered where (§3), whether or not the user chose to stay signed in here (the
 * application has signed itself out either way); else our own page.
 */
function finish(c: Context<AppEnv>, request: LogoutRequest, outcome: "signed_out" | "stayed") {
  if (!request.redirect) return renderSignedOut(c, pageLocale(c, request.uiLocales), outcome === "signed_out");
  return c.redirect(postLogoutLocation(request.redirect), 303);
}

function definedOnly(params: Record<string, string | undefined>): Params {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}
