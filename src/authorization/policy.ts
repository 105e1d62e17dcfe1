// The interaction policy: whether an authorization request needs the user, as data (after oidc-provider's
// interaction policy). A policy is a list of prompts in order; a prompt is a list of named checks. The first check
// that says "needed" decides the next step; under prompt=none its error goes back to the client instead
// (OIDC Core §3.1.2.6). A new way to sign in adds a check or a step here, never a route.
//
// Checks read typed facts. The cookie's signed claims answer most of them without a round trip; the user's
// Account answers the rest (is the session still live, is consent on record) in one call, made on first need.
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import {
  consentRequired,
  interactionRequired,
  loginRequired,
  unmetAuthenticationRequirements,
  type OAuthError,
} from "../errors";
import type { Session } from "../session/session";
import { subjectFor } from "../tokens/subject";
import { acrDemand, meetsDemand } from "./acr";
import type { Interaction } from "./interaction";

export interface Facts {
  env: Env;
  client: Client;
  interaction: Interaction;
  /** The browser's session, from its signed cookie (not yet known to be live). */
  session: Session | null;
  /** The Account's word on the session, asked once. */
  standing: () => Promise<SessionStanding>;
}

export interface SessionStanding {
  /** Not signed out, not expired, the user not deleted. */
  live: boolean;
  /** The consent this request needs is on record. */
  consented: boolean;
}

export type PromptName = "login" | "mfa" | "consent";

interface Check {
  reason: string;
  description: string;
  /** The answer under prompt=none. */
  error: (description: string) => OAuthError;
  needed: (facts: Facts) => boolean | Promise<boolean>;
}

interface Prompt {
  name: PromptName;
  checks: readonly Check[];
}

/** A login during this very interaction satisfies prompt=login, max_age and the hint (it was just asked). */
const signedInNow = (f: Facts) => f.session?.ixn === f.interaction.jti;

const login: Prompt = {
  name: "login",
  checks: [
    {
      // OIDC Core §3.1.2.1 prompt=none: login_required "if the End-User is not already authenticated".
      reason: "no_session",
      description: "the user is not signed in",
      error: loginRequired,
      needed: (f) => f.session === null,
    },
    {
      // §3.1.2.1 prompt=login "MUST prompt the End-User for reauthentication"; select_account: pick an account.
      reason: "login_prompt",
      description: "the request asks the user to sign in again",
      error: loginRequired,
      needed: (f) => !signedInNow(f) && f.interaction.req.prompt.some((p) => p === "login" || p === "select_account"),
    },
    {
      // §3.1.2.1 max_age: "If the elapsed time is greater than this value, the OP MUST attempt to actively
      // re-authenticate"; max_age=0 always does, hence >= on whole seconds.
      reason: "max_age",
      description: "the sign-in is older than max_age",
      error: loginRequired,
      needed: (f) => {
        const { max_age } = f.interaction.req;
        return !signedInNow(f) && max_age !== undefined && nowSeconds() - (f.session?.auth_time ?? 0) >= max_age;
      },
    },
    {
      // §3.1.2.1 id_token_hint: another user is signed in. The hint carries the sub this client sees (pairwise, §8).
      reason: "id_token_hint",
      description: "another user is signed in",
      error: loginRequired,
      needed: async (f) => {
        const hint = f.interaction.req.hint_sub;
        return (
          !signedInNow(f) && hint !== undefined && hint !== (await subjectFor(f.env, f.client, f.session?.sub ?? ""))
        );
      },
    },
    {
      reason: "session_ended",
      description: "the user is not signed in",
      error: loginRequired,
      needed: async (f) => !(await f.standing()).live,
    },
  ],
};

const mfa: Prompt = {
  name: "mfa",
  checks: [
    {
      // OIDC Core §5.5.1.1: an essential acr that cannot be met "MUST [be treated] as a failed authentication".
      reason: "acr_unsupported",
      description: "none of the requested acr values is supported",
      error: unmetAuthenticationRequirements,
      needed: (f) => acrDemand(f.env, f.client, f.interaction.req).unsupported,
    },
    {
      // acr_values, an essential acr, the client's or the deployment's requirement: a session with one factor is
      // stepped up, never silently answered (docs/sign-in.md).
      reason: "acr_not_met",
      description: "the request needs a stronger sign-in",
      error: interactionRequired,
      needed: (f) => !meetsDemand(f.session?.amr ?? [], acrDemand(f.env, f.client, f.interaction.req)),
    },
  ],
};

const consent: Prompt = {
  name: "consent",
  checks: [
    {
      // OIDC Core §3.1.2.1 prompt=consent: "SHOULD prompt the End-User for consent".
      reason: "consent_prompt",
      description: "consent is required",
      error: consentRequired,
      needed: (f) => f.interaction.req.prompt.includes("consent"),
    },
    {
      reason: "consent_missing",
      description: "consent is required",
      error: consentRequired,
      needed: async (f) => !f.client.skip_consent && !(await f.standing()).consented,
    },
  ],
};

export const policy: readonly Prompt[] = [login, mfa, consent];

export interface Next {
  prompt: PromptName;
  check: Check;
}

/** The first prompt a check of which is needed, skipping those already satisfied in this interaction; null: none. */
export async function nextPrompt(facts: Facts, satisfied: readonly PromptName[] = []): Promise<Next | null> {
  for (const prompt of policy) {
    if (satisfied.includes(prompt.name)) continue;
    for (const check of prompt.checks) {
      if (await check.needed(facts)) return { prompt: prompt.name, check };
    }
  }
  return null;
}
