// What a way of signing in comes to: a session, a password that needs its second factor, or an error for the page.
import type { Session } from "../../session/session";

type StepError = "wrong_password" | "throttled" | "passkey_failed" | "wrong_code" | "code_throttled" | "expired";

export type StepOutcome =
  { kind: "signed_in"; session: Session } | { kind: "second_factor" } | { kind: "failed"; error: StepError };
