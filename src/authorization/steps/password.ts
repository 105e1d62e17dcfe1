// The password step: a username and password checked behind the login throttles (src/users/login.ts), then a
// new session in the user's Account, unless the user enrolled a second factor: then only the first factor is held
// (src/session/pending.ts) and the journey asks for the second. Failures are the login page's to show.
import type { Context } from "hono";
import { nowSeconds } from "../../clock";
import type { ConsentQuery } from "../../durable/account";
import type { AppEnv } from "../../env";
import { randomToken } from "../../lib/crypto";
import { holdFirstFactor } from "../../session/pending";
import { startSession } from "../../session/session";
import { passwordLogin } from "../../users/login";
import { AMR } from "../acr";
import type { Interaction } from "../interaction";
import type { StepOutcome } from "./outcome";

export async function passwordStep(
  c: Context<AppEnv>,
  interaction: Interaction,
  username: string | undefined,
  password: string | undefined,
  source: string | undefined,
  consentFor: ConsentQuery,
): Promise<StepOutcome> {
  const login = username && password ? await passwordLogin(c.env, username, password, source) : undefined;
  // A throttled attempt says so without saying whether the username exists (the throttle counts unknown ones too).
  if (!login?.ok) return { kind: "failed", error: login?.throttled ? "throttled" : "wrong_password" };
  const credential = login.user.password?.salt;
  const session = {
    sub: login.user.sub,
    auth_time: nowSeconds(),
    amr: [AMR.password],
    sid: randomToken(16),
    ixn: interaction.jti,
  };
  const started = await startSession(c, session, credential, consentFor);
  // The Account refuses a user deleted meanwhile, or a password replaced meanwhile (checked at a location whose
  // KV had not caught up): to the person, that is a wrong password.
  if (started.status === "refused") return { kind: "failed", error: "wrong_password" };
  if (started.status === "second_factor") {
    await holdFirstFactor(c, { sub: session.sub, amr: session.amr, ixn: interaction.jti, credential });
    return { kind: "second_factor" };
  }
  return { kind: "signed_in", session, consented: started.consented, hasPasskey: started.hasPasskey };
}
