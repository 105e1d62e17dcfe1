// What the account page's forms do, one small function each. Changes to credentials (passkeys, the authenticator
// app, recovery codes, the password) need a sign-in at most config.signIn.recentSeconds old, else the person signs
// in again first (prompt=login) and comes back. Every change is audited; every answer is a notice on the page.
import type { Context } from "hono";
import { startAccountSignIn } from "../authorization/journey";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { AppEnv } from "../env";
import type { Params } from "../http/params";
import { audit } from "../lib/audit";
import { endSession, type Session } from "../session/session";
import { objects } from "../storage";
import { passwordLogin } from "../users/login";
import { hashPassword } from "../users/password";
import { registerPasskey, releasePasskeys } from "../users/passkeys";
import { findUserBySub, saveUser } from "../users/store";
import { messages, pageLocale } from "../views/i18n";
import { renderSignedOut } from "../views/logout";
import { renderAccountPage } from "./page";

/** `source`: the request's address, for the login throttles of a password check. */
type Action = (c: Context<AppEnv>, session: Session, form: Params, source: string | undefined) => Promise<Response>;

/** Notices are named in the redirect (post/redirect/get) and drawn from the page's own sentences. */
export type Notice = "done" | "failed" | "password_changed" | "wrong_password";

const back = (c: Context<AppEnv>, notice: Notice, anchor = "") => c.redirect(`/account?notice=${notice}${anchor}`, 303);

/** Actions that change how the user signs in: only with a recent sign-in. */
const CREDENTIAL_ACTIONS = new Set([
  "passkey_add",
  "passkey_remove",
  "totp_begin",
  "totp_confirm",
  "totp_remove",
  "recovery_regenerate",
  "password_change",
]);

/** A Map, not an object: a form's `action` of "toString" or "__proto__" must name nothing. */
const ACTIONS: ReadonlyMap<string, Action> = new Map([
  ["sign_out", signOut],
  ["end_session", endOtherSession],
  ["end_all_sessions", endAllSessions],
  ["passkey_add", addPasskey],
  ["passkey_rename", renamePasskey],
  ["passkey_remove", removePasskey],
  ["totp_begin", beginTotp],
  ["totp_confirm", confirmTotp],
  ["totp_remove", removeTotp],
  ["recovery_regenerate", regenerateRecoveryCodes],
  ["consent_revoke", revokeConsent],
  ["password_change", changePassword],
]);

export async function runAccountAction(
  c: Context<AppEnv>,
  session: Session,
  form: Params,
  source: string | undefined,
): Promise<Response> {
  const action = form.action === undefined ? undefined : ACTIONS.get(form.action);
  if (!action) return back(c, "failed");
  if (CREDENTIAL_ACTIONS.has(form.action ?? "") && nowSeconds() - session.auth_time > config.signIn.recentSeconds) {
    return startAccountSignIn(c, true);
  }
  return action(c, session, form, source);
}

async function signOut(c: Context<AppEnv>, session: Session): Promise<Response> {
  await endSession(c, session);
  return renderSignedOut(c, pageLocale(c, undefined), true);
}

async function endOtherSession(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const sid = form.sid;
  if (!sid || sid === session.sid) return back(c, "failed", "#sessions");
  const ended = await objects.account(c.env, session.sub).endSession(sid, session.sub);
  return back(c, ended ? "done" : "failed", "#sessions");
}

async function endAllSessions(c: Context<AppEnv>, session: Session): Promise<Response> {
  await objects.account(c.env, session.sub).revokeEverything(session.sub, false);
  audit({ event: "user.signed_out", sub: session.sub, by: "self" });
  await endSession(c, session);
  return renderSignedOut(c, pageLocale(c, undefined), true);
}

async function addPasskey(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const userAgent = c.req.header("user-agent");
  const input = { response: form.passkey_response, challengeToken: form.passkey_challenge, userAgent };
  return back(c, (await registerPasskey(c.env, session, input)) ? "done" : "failed", "#passkeys");
}

async function renamePasskey(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const name = form.name?.trim().slice(0, 64);
  const renamed =
    form.id && name ? await objects.account(c.env, session.sub).renamePasskey(session.sid, form.id, name) : false;
  if (renamed) audit({ event: "factor.changed", sub: session.sub, factor: "passkey", change: "renamed", by: "self" });
  return back(c, renamed ? "done" : "failed", "#passkeys");
}

async function removePasskey(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const removed = form.id ? await objects.account(c.env, session.sub).removePasskey(session.sid, form.id) : false;
  if (removed && form.id) {
    await releasePasskeys(c.env, [form.id], session.sub);
    audit({ event: "factor.changed", sub: session.sub, factor: "passkey", change: "removed", by: "self" });
  }
  return back(c, removed ? "done" : "failed", "#passkeys");
}

async function beginTotp(c: Context<AppEnv>, session: Session): Promise<Response> {
  const secret = await objects.account(c.env, session.sub).beginTotp(session.sid);
  return c.redirect(secret ? "/account#authenticator-app" : "/account?notice=failed", 303);
}

/** Confirms the app with a first code; the first recovery codes are shown once, here. */
async function confirmTotp(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const account = objects.account(c.env, session.sub);
  const confirmed = form.code ? await account.confirmTotp(session.sid, form.code) : { ok: false as const };
  if (!confirmed.ok) return back(c, "failed", "#authenticator-app");
  audit({ event: "factor.changed", sub: session.sub, factor: "totp", change: "added", by: "self" });
  const notice = { kind: "done" as const, text: messages(pageLocale(c, undefined)).account.done };
  const newRecoveryCodes = confirmed.recoveryCodes ?? undefined;
  return renderAccountPage(c, session, await account.overview(session.sid), { notice, newRecoveryCodes });
}

async function removeTotp(c: Context<AppEnv>, session: Session): Promise<Response> {
  const removed = await objects.account(c.env, session.sub).removeTotp(session.sid);
  if (removed) audit({ event: "factor.changed", sub: session.sub, factor: "totp", change: "removed", by: "self" });
  return back(c, removed ? "done" : "failed", "#authenticator-app");
}

async function regenerateRecoveryCodes(c: Context<AppEnv>, session: Session): Promise<Response> {
  const account = objects.account(c.env, session.sub);
  const codes = await account.regenerateRecoveryCodes(session.sid);
  if (!codes) return back(c, "failed", "#authenticator-app");
  audit({ event: "factor.changed", sub: session.sub, factor: "recovery_codes", change: "regenerated", by: "self" });
  return renderAccountPage(c, session, await account.overview(session.sid), { newRecoveryCodes: codes });
}

async function revokeConsent(c: Context<AppEnv>, session: Session, form: Params): Promise<Response> {
  const clientId = form.client_id;
  const grants = clientId ? await objects.account(c.env, session.sub).revokeConsent(session.sid, clientId) : null;
  if (grants === null || !clientId) return back(c, "failed", "#apps");
  audit({ event: "account.consent_revoked", sub: session.sub, clientId, grants });
  return back(c, "done", "#apps");
}

/**
 * A new password, with the current one (checked behind the login throttles). Like an administrator's change, it ends
 * every session and revokes every grant (RFC 9700 §4.14.2), this one's too: the person signs in with the new one.
 */
async function changePassword(
  c: Context<AppEnv>,
  session: Session,
  form: Params,
  source: string | undefined,
): Promise<Response> {
  const user = await findUserBySub(c.env, session.sub, { fresh: true });
  const next = form.new_password;
  if (!user?.password || user.source !== "kv" || !next || next.length < 8 || !form.current_password) {
    return back(c, "failed", "#password");
  }
  const checked = await passwordLogin(c.env, user.username, form.current_password, source);
  if (!checked.ok || checked.user.sub !== user.sub) return back(c, "wrong_password", "#password");
  const password = await hashPassword(next);
  await saveUser(c.env, { ...user, password });
  await objects.account(c.env, user.sub).revokeEverything(user.sub, false, password.salt);
  audit({ event: "factor.changed", sub: user.sub, factor: "password", change: "reset", by: "self" });
  await endSession(c, session);
  return back(c, "password_changed");
}
