// After a password sign-in, for a user with no passkey: the offer to add one ("Add a passkey") or go on ("Not now").
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { messages, type Locale } from "./i18n";
import { renderPage } from "./layout";
import { passkeyCreateForm, type PasskeyCeremony } from "./passkey";

export interface PasskeyOfferView {
  locale: Locale;
  interaction: string;
  csrf: string;
  ceremony: PasskeyCeremony;
  failed: boolean;
}

export function renderPasskeyOffer(c: Context<AppEnv>, view: PasskeyOfferView) {
  const m = messages(view.locale);
  const a = m.account;
  const nonce = randomToken(16);
  const fields = { interaction: view.interaction, csrf: view.csrf, step: "passkey_offer", decision: "add_passkey" };
  return renderPage(c, {
    locale: view.locale,
    title: a.offerTitle,
    scriptNonce: nonce,
    status: view.failed ? 400 : 200,
    body: html`<h1>${a.offerHeading}</h1>
<p class="lead">${a.offerLead}</p>
${view.failed ? html`<p class="alert" role="alert">${a.failed}</p>` : ""}
${passkeyCreateForm(view.locale, view.ceremony, fields, "/login", a.addPasskey, nonce, true)}
<form method="post" action="/login">
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="step" value="passkey_offer">
<p class="muted"><button type="submit" name="decision" value="skip_passkey" class="link">${a.notNow}</button></p>
</form>`,
  });
}
