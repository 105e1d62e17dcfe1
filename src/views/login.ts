// The login page. Field names are a contract outside tools rely on (README, demo data): username, password,
// interaction, csrf. The buttons are decision=login (first: the one Enter presses, and the one a form-filling tool
// picks) and decision=cancel, which skips the browser's checks of the required fields. Below the form, "Sign in with a
// passkey" (a discoverable credential, no username needed); the username field also offers passkeys itself
// (conditional UI: autocomplete="username webauthn"). The passkey form is a second form the page's script submits.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { messages, type Locale } from "./i18n";
import { renderPage } from "./layout";
import { passkeyForm, type PasskeyCeremony } from "./passkey";

export interface LoginView {
  locale: Locale;
  interaction: string;
  csrf: string;
  clientName: string;
  loginHint?: string | undefined;
  /** Why the last attempt failed: the wrong credentials (marked on the fields), the throttle, a passkey. */
  error?: "wrong_password" | "throttled" | "passkey_failed" | "expired" | undefined;
  /** The passkey sign-in: the WebAuthn request options and the challenge's token. */
  passkey: PasskeyCeremony;
}

function errorText(view: LoginView): string {
  const m = messages(view.locale);
  switch (view.error) {
    case "wrong_password":
      return m.wrongPassword;
    case "throttled":
      return m.throttled;
    case "passkey_failed":
      return m.factors.passkeyFailed;
    case "expired":
      return m.factors.expired;
    default:
      return "";
  }
}

export function renderLogin(c: Context<AppEnv>, view: LoginView, status: 200 | 401 = 200) {
  const m = messages(view.locale);
  const invalid = view.error === "wrong_password";
  // Focus where typing starts: the password when the username is already known (login_hint, a failed attempt).
  const focusPassword = Boolean(view.loginHint);
  const describedBy = view.error ? html` aria-describedby="login-error"` : "";
  const invalidAttr = invalid ? html` aria-invalid="true"` : "";
  const nonce = randomToken(16);
  return renderPage(c, {
    locale: view.locale,
    title: m.loginTitle,
    status,
    scriptNonce: nonce,
    body: html`<h1>${m.loginHeading}</h1>
<p class="lead">${m.loginLead(view.clientName)}</p>
${view.error ? html`<p class="alert" id="login-error" role="alert">${errorText(view)}</p>` : ""}
<form method="post" action="/login" id="password-form">
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label for="username">${m.username}</label>
<input id="username" name="username" autocomplete="username webauthn" autocapitalize="none" spellcheck="false" required${focusPassword ? "" : html` autofocus`}${describedBy}${invalidAttr} value="${view.loginHint ?? ""}">
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${focusPassword ? html` autofocus` : ""}${describedBy}${invalidAttr}>
<div class="actions">
<button type="submit" name="decision" value="login">${m.signIn}</button>
<button type="submit" name="decision" value="cancel" formnovalidate>${m.cancel}</button>
</div>
</form>
<p class="or">${m.factors.or}</p>
${passkeyForm(view, m.factors.passkeySignIn, nonce)}`,
  });
}
