// Our own error page: shown when the client or redirect URI cannot be trusted, so nothing is redirected.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { renderPage } from "./layout";

export function renderErrorPage(c: Context<AppEnv>, error: string, description: string, status: number) {
  const pageStatus =
    status === 401 || status === 403 || status === 404 || status === 500 || status === 503 ? status : 400;
  return renderPage(
    c,
    "Sign-in error",
    html`<h1>Sign-in cannot continue</h1>
<p class="error" id="error">${error}</p>
<p id="error_description">${description}</p>
<p>Return to the application and try again.</p>`,
    { status: pageStatus },
  );
}
