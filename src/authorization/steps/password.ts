// The password step: a username and password checked behind the login throttles (src/users/login.ts), then a
// new session in the user's Account. Its failures are the login page's to show; they never reach the client.
import type { Context } from "hono";
import { nowSeconds } from "../../clock";
import type { AppEnv } from "../../env";
import { randomToken } from "../../lib/crypto";
import { startSession, type Session } from "../../session/session";
import { passwordLogin } from "../../users/login";
import { AMR } from "../acr";
import type { Interaction } from "../interaction";

export type LoginError = "wrong_password" | "throttled";
export type StepOutcome = { ok: true; session: Session } | { ok: false; error: LoginError };

export async function passwordStep(
  c: Context<AppEnv>,
  interaction: Interaction,
  username: string | undefined,
  password: string | undefined,
  source: string | undefined,
): Promise<StepOutcome> {
  const login = username && password ? await passwordLogin(c.env, username, password, source) : undefined;
  // A throttled attempt says so without saying whether the username exists (the throttle counts unknown ones too).
  if (!login?.ok) return { ok: false, error: login?.throttled ? "throttled" : "wrong_password" };
  const session = {
    sub: login.user.sub,
    auth_time: nowSeconds(),
    amr: [AMR.password],
    sid: randomToken(16),
    ixn: interaction.jti,
  };
  // The Account refuses a user deleted meanwhile, or a password replaced meanwhile (checked at a location whose
  // KV had not caught up): to the person, that is a wrong password.
  if (!(await startSession(c, session, login.user.password?.salt))) return { ok: false, error: "wrong_password" };
  return { ok: true, session };
}
