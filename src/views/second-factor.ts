// The second step of a sign-in (or a step-up): a code from the authenticator app, a passkey, or a recovery code.
// Field names: code (autocomplete one-time-code), recovery_code, and the passkey form of src/views/passkey.ts.
// A user with no second factor is told where to add one.
import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { messages, type Locale } from "./i18n";
import { renderPage } from "./layout";
import { passkeyForm, type PasskeyCeremony } from "./passkey";

export interface SecondFactorView {
  locale: Locale;
  interaction: string;
  csrf: string;
  clientName: string;
  totp: boolean;
  recoveryCodes: boolean;
  /** Present when the user holds passkeys (their ids are in the options' allowCredentials). */
  passkey: PasskeyCeremony | undefined;
  error?: "wrong_code" | "code_throttled" | "passkey_failed" | undefined;
}

export function renderSecondFactor(c: Context<AppEnv>, view: SecondFactorView) {
  const m = messages(view.locale);
  const f = m.factors;
  const nonce = randomToken(16);
  const error = { wrong_code: f.wrongCode, code_throttled: f.codeThrottled, passkey_failed: f.passkeyFailed };
  const hidden = html`<input type="hidden" name="interaction" value="${view.interaction}">
<input type="hidden" name="csrf" value="${view.csrf}">`;
  const none = !view.totp && !view.passkey;
  return renderPage(c, {
    locale: view.locale,
    title: f.title,
    status: view.error ? 401 : 200,
    scriptNonce: nonce,
    body: html`<h1>${f.heading}</h1>
<p class="lead">${f.lead(view.clientName)}</p>
${view.error ? html`<p class="alert" id="factor-error" role="alert">${error[view.error]}</p>` : ""}
${
  view.totp
    ? html`<form method="post" action="/login">
${hidden}
<label for="code">${f.totpLabel}</label>
<input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus${view.error ? html` aria-invalid="true" aria-describedby="factor-error"` : ""}>
<div class="actions">
<button type="submit" name="decision" value="totp">${f.verify}</button>
<button type="submit" name="decision" value="cancel" formnovalidate>${m.cancel}</button>
</div>
</form>`
    : ""
}
${
  view.passkey
    ? html`${view.totp ? html`<p class="or">${f.or}</p>` : ""}${passkeyForm({ ...view, passkey: view.passkey }, f.usePasskey, nonce, "mfa")}`
    : ""
}
${
  view.recoveryCodes
    ? html`<details>
<summary>${f.useRecoveryCode}</summary>
<form method="post" action="/login">
${hidden}
<label for="recovery_code">${f.recoveryCodeLabel}</label>
<input id="recovery_code" name="recovery_code" autocomplete="off" autocapitalize="none" spellcheck="false" required>
<div class="actions"><button type="submit" name="decision" value="recovery">${f.verify}</button></div>
</form>
</details>`
    : ""
}
${none ? html`<p>${f.noSecondFactor}</p><p><a class="link" href="/account">${f.openAccount}</a></p>` : ""}
${
  view.totp
    ? ""
    : html`<form method="post" action="/login">
${hidden}
<div class="actions"><button type="submit" name="decision" value="cancel">${m.cancel}</button></div>
</form>`
}`,
  });
}
