// The consent page. Button names are a contract outside tools rely on (README, demo data): decision=allow /
// decision=deny. "Not you?" is a separate form (POST /consent/switch) that signs this browser out and returns to
// the login page of the same interaction.
import type { Context } from "hono";
import { html } from "hono/html";
import { config } from "../config";
import type { AppEnv } from "../env";
import { messages, type Locale, type Messages } from "./i18n";
import { renderPage } from "./layout";

export interface ConsentView {
  locale: Locale;
  interaction: string;
  csrf: string;
  clientName: string;
  /** Who is signed in: the user's name, else the username. */
  userName: string;
  /** Scopes, and `claim:<name>` for claims asked for by name. */
  items: string[];
}

export function renderConsent(c: Context<AppEnv>, view: ConsentView) {
  const m = messages(view.locale);
  const hidden = html`<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">`;
  return renderPage(c, {
    locale: view.locale,
    title: m.consentTitle,
    body: html`<h1 tabindex="-1" autofocus>${m.consentHeading(view.clientName)}</h1>
<div class="account"><span>${m.signedInAs} <strong>${view.userName}</strong></span>
<form method="post" action="/consent/switch">
${hidden}
<button type="submit" class="link">${m.notYou}</button>
</form></div>
<p>${m.consentLead}</p>
<ul class="scopes">${view.items.map((item) => html`<li><span>${describe(item, view.locale, m)}</span><code>${item}</code></li>`)}</ul>
<form method="post" action="/consent">
${hidden}
<div class="actions">
<button type="submit" name="decision" value="allow">${m.allow}</button>
<button type="submit" name="decision" value="deny">${m.deny}</button>
</div>
</form>
<p class="muted">${m.consentFootnote}</p>`,
  });
}

/** A scope, or a single claim (`claim:<name>`, from the claims parameter), in plain words (config). */
function describe(item: string, locale: Locale, m: Messages): string {
  if (item.startsWith("claim:")) {
    const claim = item.slice("claim:".length);
    return config.claimDescriptions[claim]?.[locale] ?? m.claimFallback(claim.replace(/_/g, " "));
  }
  return config.scopeDescriptions[item]?.[locale] ?? item;
}
