// The logout pages: the question asked when a sign-out cannot be tied to this browser's session (OIDC RP-Initiated
// Logout 1.0 §2), and the page shown after signing out when the application registered no place to return to.
// Field names are a contract outside tools rely on: logout, csrf, decision=logout / decision=stay.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { renderPage } from "./layout";

export interface LogoutConfirmView {
  /** The signed request to carry through the form. */
  logout: string;
  csrf: string;
  clientName: string | undefined;
}

export function renderLogoutConfirm(c: Context<AppEnv>, view: LogoutConfirmView) {
  return renderPage(
    c,
    "Sign out?",
    html`<h1>Sign out?</h1>
<p>${view.clientName ? html`${view.clientName} asks to sign you out.` : "An application asks to sign you out."}
Do you want to sign out of your account on this device?</p>
<form method="post" action="/logout">
<input type="hidden" name="logout" value="${view.logout}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" name="decision" value="logout" autofocus>Sign out</button>
<button type="submit" name="decision" value="stay">Stay signed in</button>
</form>`,
  );
}

export function renderSignedOut(c: Context<AppEnv>, signedOut: boolean) {
  return renderPage(
    c,
    signedOut ? "Signed out" : "Still signed in",
    signedOut
      ? html`<h1>You have signed out</h1>
<p>You can close this window.</p>`
      : html`<h1>You are still signed in</h1>
<p>You can close this window.</p>`,
  );
}
