// The logout pages: the question asked when a sign-out cannot be tied to this browser's session (OIDC RP-Initiated
// Logout 1.0 §2), and the page shown afterwards when the application registered no place to return to.
// Field names are a contract outside tools rely on: logout, csrf, decision=logout / decision=stay.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { messages, type Locale } from "./i18n";
import { renderPage } from "./layout";

export interface LogoutConfirmView {
  locale: Locale;
  /** The signed request the form carries. */
  logout: string;
  csrf: string;
  clientName: string | undefined;
}

export function renderLogoutConfirm(c: Context<AppEnv>, view: LogoutConfirmView) {
  const m = messages(view.locale);
  return renderPage(c, {
    locale: view.locale,
    title: m.logoutTitle,
    body: html`<h1 tabindex="-1" autofocus>${m.logoutHeading}</h1>
<p>${m.logoutAsk(view.clientName)}</p>
<form method="post" action="/logout">
<input type="hidden" name="logout" value="${view.logout}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="actions">
<button type="submit" name="decision" value="logout">${m.logoutConfirm}</button>
<button type="submit" name="decision" value="stay">${m.logoutStay}</button>
</div>
</form>`,
  });
}

export function renderSignedOut(c: Context<AppEnv>, locale: Locale, signedOut: boolean) {
  const m = messages(locale);
  return renderPage(c, {
    locale,
    title: signedOut ? m.signedOutTitle : m.stillSignedInTitle,
    body: html`<h1 tabindex="-1" autofocus>${signedOut ? m.signedOutHeading : m.stillSignedInHeading}</h1>
<p>${m.closeWindow}</p>`,
  });
}
