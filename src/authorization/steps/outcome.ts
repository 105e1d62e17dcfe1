// What a way of signing in comes to: a session, a password that needs its second factor, or an error for the page.
import type { Session } from "../../session/session";

type StepError = "wrong_password" | "throttled" | "passkey_failed" | "wrong_code" | "code_throttled" | "expired";

export type StepOutcome =
  /**
   * `consented`: the Account's word, with the sign-in, on the consent the request needs (the session is live: it
   * has just started). `hasPasskey`: known after a password (the offer of a passkey is for users without one).
   */
  | { kind: "signed_in"; session: Session; consented: boolean; hasPasskey?: boolean }
  | { kind: "second_factor" }
  | { kind: "failed"; error: StepError };
