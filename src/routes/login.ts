// The login page (GET) and its form submission (POST): a sign-in, or "Cancel" back to the application.
import { Hono } from "hono";
import { interactionClient, continueAuthorization, redirectTarget } from "../authorization/continue";
import { resumeInteraction } from "../authorization/interaction";
import { authorizationError } from "../authorization/response";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { AppEnv } from "../env";
import { accessDenied } from "../errors";
import { randomToken } from "../lib/crypto";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, sourceAddress } from "../http/params";
import { csrfToken, requireCsrf } from "../session/csrf";
import { startSession } from "../session/session";
import { passwordLogin } from "../users/login";
import { pageLocale } from "../views/i18n";
import { renderLogin, type LoginView } from "../views/login";

export const login = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
login.onError(pageErrors);

login.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  const client = await interactionClient(c, interaction);
  return renderLogin(c, {
    locale: pageLocale(c, interaction.req.ui_locales),
    interaction: interaction.token,
    csrf: await csrfToken(c, interaction.jti),
    clientName: client.client_name ?? client.client_id,
    loginHint: interaction.req.login_hint,
  });
});

login.post("/", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  const client = await interactionClient(c, interaction);
  // RFC 6749 §4.1.2.1: the user declined to sign in; the client hears access_denied (with its state).
  if (form.decision === "cancel")
    return authorizationError(c, redirectTarget(interaction.req), accessDenied("the user cancelled the sign-in"));
  const { username, password } = form;
  const login = username && password ? await passwordLogin(c.env, username, password, sourceAddress(c)) : undefined;
  const loginPage = async (status: 401, error: NonNullable<LoginView["error"]>) =>
    renderLogin(
      c,
      {
        locale: pageLocale(c, interaction.req.ui_locales),
        interaction: interaction.token,
        csrf: await csrfToken(c, interaction.jti),
        clientName: client.client_name ?? client.client_id,
        loginHint: form.username,
        error,
      },
      status,
    );
  // A throttled attempt says so without saying whether the username exists (the throttle counts unknown ones too).
  if (!login?.ok) return loginPage(401, login?.throttled ? "throttled" : "wrong_password");
  const { user } = login;
  const session = {
    sub: user.sub,
    auth_time: nowSeconds(),
    amr: [...config.passwordAmr],
    sid: randomToken(16),
    ixn: interaction.jti,
  };
  // The Account refuses a user deleted meanwhile, or a password replaced meanwhile (checked at a location whose
  // KV had not caught up): to the person, that is a wrong password.
  if (!(await startSession(c, session, user.password?.salt))) return loginPage(401, "wrong_password");
  return continueAuthorization(c, client, interaction, session);
});
