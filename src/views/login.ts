// The login page. Field names are a contract outside tools rely on (README, demo data): username, password,
// interaction, csrf. The buttons are decision=login (first: the one Enter presses, and the one a form-filling tool
// picks) and decision=cancel, which skips the browser's checks of the required fields.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { messages, type Locale } from "./i18n";
import { renderPage } from "./layout";

export interface LoginView {
  locale: Locale;
  interaction: string;
  csrf: string;
  clientName: string;
  loginHint?: string | undefined;
  /** Why the last attempt failed: the wrong credentials (marked on the fields), or the throttle. */
  error?: "wrong_password" | "throttled" | undefined;
}

export function renderLogin(c: Context<AppEnv>, view: LoginView, status: 200 | 401 = 200) {
  const m = messages(view.locale);
  const invalid = view.error === "wrong_password";
  // Focus where typing starts: the password when the username is already known (login_hint, a failed attempt).
  const focusPassword = Boolean(view.loginHint);
  const describedBy = view.error ? html` aria-describedby="login-error"` : "";
  const invalidAttr = invalid ? html` aria-invalid="true"` : "";
  return renderPage(c, {
    locale: view.locale,
    title: m.loginTitle,
    status,
    body: html`<h1>${m.loginHeading}</h1>
<p class="lead">${m.loginLead(view.clientName)}</p>
${view.error ? html`<p class="alert" id="login-error" role="alert">${invalid ? m.wrongPassword : m.throttled}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label for="username">${m.username}</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required${focusPassword ? "" : html` autofocus`}${describedBy}${invalidAttr} value="${view.loginHint ?? ""}">
<label for="password">${m.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${focusPassword ? html` autofocus` : ""}${describedBy}${invalidAttr}>
<div class="actions">
<button type="submit" name="decision" value="login">${m.signIn}</button>
<button type="submit" name="decision" value="cancel" formnovalidate>${m.cancel}</button>
</div>
</form>`,
  });
}
