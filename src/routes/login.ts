// The login page (GET) and its form submission (POST): a sign-in, or "Cancel" back to the application. The journey
// (src/authorization/journey.ts) decides what each leads to.
import { Hono } from "hono";
import { resumeInteraction } from "../authorization/interaction";
import { resume, showStep } from "../authorization/journey";
import type { AppEnv } from "../env";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, sourceAddress } from "../http/params";
import { requireCsrf } from "../session/csrf";

export const login = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
login.onError(pageErrors);

login.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  return showStep(c, interaction, "login");
});

login.post("/", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  if (form.decision === "cancel") return resume(c, interaction, { type: "cancel" });
  const { username, password } = form;
  return resume(c, interaction, { type: "password", username, password, source: sourceAddress(c) });
});
