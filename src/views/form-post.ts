// OAuth 2.0 Form Post Response Mode §2: an auto-submitting form carrying the response to the redirect URI.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { messages, pageLocale } from "./i18n";
import { renderPage } from "./layout";

export function renderFormPost(c: Context<AppEnv>, redirectUri: string, fields: Record<string, string>) {
  const nonce = randomToken(16);
  const locale = pageLocale(c, undefined);
  const m = messages(locale);
  return renderPage(c, {
    locale,
    title: m.formPostTitle,
    scriptNonce: nonce,
    body: html`<form method="post" action="${redirectUri}">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<noscript><button type="submit">${m.continue}</button></noscript>
</form>
<script nonce="${nonce}">document.forms[0].submit()</script>`,
  });
}
