// The login page (GET) and its form submission (POST): a sign-in, or "Cancel" back to the application. The journey
// (src/authorization/journey.ts) decides what each leads to.
import { Hono, type Context } from "hono";
import { resumeInteraction } from "../authorization/interaction";
import { resume, showStep, type JourneyEvent } from "../authorization/journey";
import type { AppEnv } from "../env";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, sourceAddress, type Params } from "../http/params";
import { requireCsrf } from "../session/csrf";

export const login = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
login.onError(pageErrors);

login.get("/", async (c) => {
  const query = queryParams(c);
  const interaction = await resumeInteraction(c.env, query.interaction);
  const step = query.step === "mfa" || query.step === "passkey_offer" ? query.step : "login";
  return showStep(c, interaction, step);
});

login.post("/", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  return resume(c, interaction, loginEvent(c, form));
});

/** Which of the page's forms was sent. */
function loginEvent(c: Context<AppEnv>, form: Params): JourneyEvent {
  const { username, password, code, recovery_code, passkey_response, passkey_challenge } = form;
  if (form.decision === "cancel") return { type: "cancel" };
  if (form.step === "passkey_offer") {
    const add = form.decision === "add_passkey";
    return { type: "passkey_offer", add, response: passkey_response, challengeToken: passkey_challenge };
  }
  if (form.decision === "totp") return { type: "factor", input: { kind: "totp", code } };
  if (form.decision === "recovery") return { type: "factor", input: { kind: "recovery", code: recovery_code } };
  // The page's other forms carry an empty passkey_response: only a filled one is a passkey.
  if (passkey_response) {
    const passkey = { response: passkey_response, challengeToken: passkey_challenge };
    // A passkey on the second-factor page belongs to the user already known; on the login page it names its user.
    return form.step === "mfa"
      ? { type: "factor", input: { kind: "passkey", ...passkey } }
      : { type: "passkey", ...passkey };
  }
  const passkeyCapable = form.passkey_capable === "1";
  return { type: "password", username, password, source: sourceAddress(c), passkeyCapable };
}
