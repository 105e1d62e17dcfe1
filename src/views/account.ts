// The account page: the signed-in user's sessions, passkeys, authenticator app and recovery codes, connected apps
// and password. Every change is a small form posting `action` (and what it needs) with the page's CSRF token; the
// answer comes back as a notice on the page (post/redirect/get), except new recovery codes, shown once in place.
// Headings structure the page for screen readers; each form button says what it does.
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { messages, type Locale, type Messages } from "./i18n";
import { renderPage } from "./layout";
import { passkeyCreateForm, type PasskeyCeremony } from "./passkey";

export interface AccountView {
  locale: Locale;
  csrf: string;
  userName: string;
  /** The sign-in name, for password managers (the password form's hidden username field). */
  username: string;
  /** The user's password is ours to change (the built-in store, not the external authentication URL). */
  localPassword: boolean;
  sessions: { sid: string; current: boolean; device: string; startedAt: number }[];
  passkeys: { id: string; name: string; synced: boolean; createdAt: number; lastUsedAt: number | undefined }[];
  totp: boolean;
  /** An authenticator app being set up: its QR code (SVG markup src/lib/qr-svg.ts drew, text escaped) and key. */
  totpEnrolment: { qrSvg: string; secret: string } | undefined;
  recoveryCodesLeft: number;
  /** New recovery codes, shown this once. */
  newRecoveryCodes: string[] | undefined;
  apps: { clientId: string; name: string }[];
  passkeyCeremony: PasskeyCeremony;
  notice: { kind: "done" | "failed"; text: string } | undefined;
}

export function renderAccount(c: Context<AppEnv>, view: AccountView) {
  const m = messages(view.locale);
  const a = m.account;
  const nonce = randomToken(16);
  const when = (seconds: number) =>
    new Intl.DateTimeFormat(view.locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(
      new Date(seconds * 1000),
    ) + " UTC";
  const form = (action: string, label: string, fields: Readonly<Record<string, string>> = {}) =>
    html`<form method="post" action="/account" class="inline">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="action" value="${action}">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit">${label}</button>
</form>`;
  return renderPage(c, {
    locale: view.locale,
    title: a.title,
    wide: true,
    scriptNonce: nonce,
    body: html`<h1>${a.heading}</h1>
<p class="lead">${a.lead(view.userName)}</p>
${view.newRecoveryCodes ? recoveryCodesOnce(m, view.newRecoveryCodes) : view.notice ? html`<p class="${view.notice.kind === "done" ? "notice" : "alert"}" role="${view.notice.kind === "done" ? "status" : "alert"}">${view.notice.text}</p>` : ""}

<h2 id="passkeys">${a.passkeys}</h2>
<p class="muted">${a.passkeysLead}</p>
${
  view.passkeys.length === 0
    ? html`<p>${a.noPasskeys}</p>`
    : html`<ul class="items">${view.passkeys.map(
        (
          p,
        ) => html`<li><span><strong>${p.name}</strong>${p.synced ? html` · ${a.synced}` : ""}<br><span class="muted">${p.lastUsedAt ? a.lastUsed(when(p.lastUsedAt)) : a.never}</span></span>
<span class="row"><form method="post" action="/account"><input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="action" value="passkey_rename"><input type="hidden" name="id" value="${p.id}">
<label class="visually-hidden" for="name-${p.id}">${a.passkeyName}</label><input id="name-${p.id}" name="name" value="${p.name}" maxlength="64" required><button type="submit">${a.rename}</button></form>
${form("passkey_remove", a.remove, { id: p.id })}</span></li>`,
      )}</ul>`
}
${passkeyCreateForm(view.locale, view.passkeyCeremony, { csrf: view.csrf, action: "passkey_add" }, "/account", a.addPasskey, nonce)}

<h2 id="authenticator-app">${a.authenticatorApp}</h2>
${totpSection(view, a, form)}

<h2 id="sessions">${a.sessions}</h2>
<ul class="items">${view.sessions.map(
      (
        s,
      ) => html`<li><span><strong>${s.current ? a.thisDevice : s.device}</strong><br><span class="muted">${a.signedInAt(when(s.startedAt))}</span></span>
${s.current ? form("sign_out", a.signOut) : form("end_session", a.endSession, { sid: s.sid })}</li>`,
    )}</ul>
${form("end_all_sessions", a.endAllSessions)}

<h2 id="apps">${a.apps}</h2>
${
  view.apps.length === 0
    ? html`<p>${a.noApps}</p>`
    : html`<ul class="items">${view.apps.map((app) => html`<li><span>${app.name}</span>${form("consent_revoke", a.revokeAccess, { client_id: app.clientId })}</li>`)}</ul>`
}

${
  view.localPassword
    ? html`<h2 id="password">${a.passwordHeading}</h2>
<form method="post" action="/account">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="action" value="password_change">
<input type="text" name="username" autocomplete="username" value="${view.username}" hidden>
<label for="current_password">${a.currentPassword}</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
<label for="new_password">${a.newPassword}</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" required aria-describedby="password-rules">
<p class="muted" id="password-rules">${a.passwordRules}</p>
<div class="actions"><button type="submit">${a.changePassword}</button></div>
</form>`
    : ""
}`,
  });
}

function totpSection(
  view: AccountView,
  a: Messages["account"],
  form: (action: string, label: string, fields?: Readonly<Record<string, string>>) => unknown,
) {
  if (view.totp) {
    return html`<p>${a.totpOn}</p>
<p class="muted">${a.recoveryCodesLeft(view.recoveryCodesLeft)}</p>
<div class="actions">${form("recovery_regenerate", a.newRecoveryCodes)}${form("totp_remove", a.removeApp)}</div>`;
  }
  if (view.totpEnrolment) {
    return html`<p>${a.scanQr}</p>
<div class="qr">${raw(view.totpEnrolment.qrSvg)}</div>
<p>${a.enterManually} <span class="secret">${view.totpEnrolment.secret}</span></p>
<form method="post" action="/account">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="action" value="totp_confirm">
<label for="totp_code">${a.confirmCode}</label>
<input id="totp_code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="7" required>
<div class="actions"><button type="submit">${a.confirm}</button></div>
</form>`;
  }
  return html`<p>${a.totpOff}</p>${form("totp_begin", a.setUpApp)}`;
}

function recoveryCodesOnce(m: Messages, codes: string[]) {
  return html`<section aria-labelledby="new-codes"><h2 id="new-codes">${m.account.recoveryCodes}</h2>
<p class="notice" role="status">${m.account.recoveryCodesOnce}</p>
<ol class="codes">${codes.map((code) => html`<li>${code}</li>`)}</ol></section>`;
}
