// The passkey part of a page: the WebAuthn options for the browser (a JSON data block, never executed), the button,
// the hidden form the script fills with the browser's response and submits, and the script itself (inline, allowed
// by the page's CSP nonce). The element ids are the contract of src/views/passkey-script.ts.
import { html, raw } from "hono/html";
import { PASSKEY_SCRIPT } from "./passkey-script";
import type { Locale } from "./i18n";
import { messages } from "./i18n";

export interface PasskeyCeremony {
  /** PublicKeyCredentialRequestOptionsJSON or ...CreationOptionsJSON. */
  options: unknown;
  /** The signed token of the challenge in the options (src/session/challenge.ts). */
  challengeToken: string;
}

interface FormFields {
  locale: Locale;
  interaction: string;
  csrf: string;
  passkey: PasskeyCeremony;
}

/** JSON inside <script type="application/json">: "<" escaped, so the data can never close the element. */
function jsonBlock(id: string, value: unknown) {
  return raw(`<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, "\\u003c")}</script>`);
}

/** Sign in (or confirm) with a passkey: the button and its form, posting to /login. */
export function passkeyForm(view: FormFields, label: string, nonce: string, step?: "mfa") {
  const m = messages(view.locale);
  return html`${jsonBlock("passkey-request-options", view.passkey.options)}
<form id="passkey-form" method="post" action="/login">
${step ? html`<input type="hidden" name="step" value="${step}">` : ""}
<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="passkey_challenge" value="${view.passkey.challengeToken}">
<input type="hidden" name="passkey_response" value="">
<button type="button" id="passkey-signin" class="passkey">${label}</button>
</form>
<p class="alert" id="passkey-error" role="alert" hidden>${m.factors.passkeyCancelled}</p>
<script nonce="${nonce}">${raw(PASSKEY_SCRIPT)}</script>`;
}

/** Add a passkey: the button and its form, posting to `action` with the fields given. */
export function passkeyCreateForm(
  locale: Locale,
  ceremony: PasskeyCeremony,
  fields: Readonly<Record<string, string>>,
  action: string,
  label: string,
  nonce: string,
  /** The page's main action (the offer after a password), drawn in the primary colour. */
  primary = false,
) {
  const m = messages(locale);
  return html`${jsonBlock("passkey-creation-options", ceremony.options)}
<form id="passkey-create-form" method="post" action="${action}">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<input type="hidden" name="passkey_challenge" value="${ceremony.challengeToken}">
<input type="hidden" name="passkey_response" value="">
<button type="button" id="passkey-create" class="${primary ? "passkey primary" : "passkey"}">${label}</button>
</form>
<p class="alert" id="passkey-error" role="alert" hidden>${m.factors.passkeyCancelled}</p>
<script nonce="${nonce}">${raw(PASSKEY_SCRIPT)}</script>`;
}
