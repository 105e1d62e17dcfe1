// The consent page (GET), the user's decision (POST), and "Not you?" (POST /switch): sign in as someone else.
// The journey (src/authorization/journey.ts) decides what each leads to.
import { Hono } from "hono";
import { resumeInteraction } from "../authorization/interaction";
import { resume, showStep } from "../authorization/journey";
import type { AppEnv } from "../env";
import { pageErrors } from "../http/errors";
import { formParams, queryParams } from "../http/params";
import { requireCsrf } from "../session/csrf";

export const consent = new Hono<AppEnv>();

// A browser page: every error is shown on our error page.
consent.onError(pageErrors);

consent.get("/", async (c) => {
  const interaction = await resumeInteraction(c.env, queryParams(c).interaction);
  return showStep(c, interaction, "consent");
});

consent.post("/", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  return resume(c, interaction, { type: "consent", allow: form.decision === "allow" });
});

/** A form with the CSRF token, so another site cannot sign a browser out. */
consent.post("/switch", async (c) => {
  const form = await formParams(c);
  const interaction = await resumeInteraction(c.env, form.interaction);
  await requireCsrf(c, interaction.jti, form.csrf);
  return resume(c, interaction, { type: "switch_account" });
});
