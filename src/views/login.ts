// The login page. Field names are a contract outside tools rely on (README, demo data): username, password,
// interaction, csrf.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { renderPage } from "./layout";

export interface LoginView {
  interaction: string;
  csrf: string;
  clientName: string;
  loginHint?: string | undefined;
  error?: string | undefined;
}

export function renderLogin(c: Context<AppEnv>, view: LoginView, status: 200 | 401 = 200) {
  return renderPage(
    c,
    "Sign in",
    html`<h1>Sign in to continue to ${view.clientName}</h1>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${view.loginHint ?? ""}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
    { status },
  );
}
