// Our own error page: shown when the client or redirect URI cannot be trusted, so nothing is redirected; and the
// page for a sign-in that took longer than its interaction lives. The sentences follow the page's language; the
// OAuth error code and its description (English, as sent to clients) are shown small beneath.
import type { Context } from "hono";
import { html } from "hono/html";
import { config } from "../config";
import type { AppEnv } from "../env";
import { InteractionExpired, type OAuthError } from "../errors";
import { messages, pageLocale } from "./i18n";
import { renderPage } from "./layout";

export function renderErrorPage(c: Context<AppEnv>, err: OAuthError) {
  const status =
    err.status === 401 || err.status === 403 || err.status === 404 || err.status === 500 || err.status === 503
      ? err.status
      : 400;
  // Before the request is validated only /authorize's own query can say which language is wanted.
  const locale = pageLocale(c, c.req.query("ui_locales"));
  const m = messages(locale);
  if (err instanceof InteractionExpired) {
    return renderPage(c, {
      locale,
      title: m.expiredTitle,
      status,
      body: html`<h1 tabindex="-1" autofocus>${m.expiredHeading}</h1>
<p>${m.expiredBody(Math.round(config.lifetimes.interaction / 60))}</p>
<p>${m.expiredAdvice}</p>`,
    });
  }
  return renderPage(c, {
    locale,
    title: m.errorTitle,
    status,
    body: html`<h1 tabindex="-1" autofocus>${m.errorHeading}</h1>
<p>${m.errorAdvice}</p>
<p class="code">${m.errorCode}: <code id="error">${err.error}</code><br><span id="error_description">${err.description}</span></p>`,
  });
}
