// Authentication context classes (OIDC Core §2 `acr`) and methods (RFC 8176 `amr`): what a session's sign-in
// proves, and whether that meets what a request, its client or the deployment asks for. Two classes, ordered:
// - `urn:edge-oidc:acr:password`: one factor (a password; an upstream sign-in);
// - `urn:edge-oidc:acr:mfa`: two factors: a password and an authenticator-app code or a passkey, or a passkey with
//   user verification alone (something held, plus the PIN or biometric that unlocked it).
// docs/sign-in.md.
import * as v from "valibot";
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import { isAccountClient } from "./account-client";
import type { AuthorizationRequest } from "./request";

export const ACR = {
  password: "urn:edge-oidc:acr:password",
  mfa: "urn:edge-oidc:acr:mfa",
} as const;

/** OIDC Discovery §3 acr_values_supported, weakest first. */
export const ACR_VALUES_SUPPORTED: readonly string[] = [ACR.password, ACR.mfa];

/** RFC 8176 §2 values we set: `mfa` whenever two factors were used. */
export const AMR = { password: "pwd", otp: "otp", hardwareKey: "hwk", softwareKey: "swk", user: "user", mfa: "mfa" };

const rank = (acr: string): number => ACR_VALUES_SUPPORTED.indexOf(acr);

/** The class a sign-in with these methods reached. */
function achievedAcr(amr: readonly string[]): string {
  return amr.includes(AMR.mfa) ? ACR.mfa : ACR.password;
}

function satisfies(amr: readonly string[], acr: string): boolean {
  return rank(achievedAcr(amr)) >= rank(acr);
}

/** What an authorization request demands of the session, and what it merely prefers. */
export interface AcrDemand {
  /** One of these must be met, or the user is stepped up (and under prompt=none, interaction_required). */
  anyOf: string[];
  /** Whether nothing we support was asked for, though an essential acr was (OIDC Core §5.5.1.1). */
  unsupported: boolean;
}

/**
 * The classes the request asks for, in order of preference: an essential `acr` in the claims parameter
 * (OIDC Core §5.5.1.1), else acr_values (§3.1.2.1), else the client's default_acr_values (OIDC Registration §2);
 * a client or deployment that requires multi-factor raises every one of them to mfa. Unknown values are ignored.
 */
export function acrDemand(env: Env, client: Client, req: AuthorizationRequest): AcrDemand {
  const essential = essentialAcr(req.claims);
  const asked = essential ?? req.acr_values?.split(" ").filter(Boolean) ?? client.default_acr_values ?? [];
  const known = asked.filter((acr) => rank(acr) >= 0);
  // The deployment's requirement spares the account page: it is where a user with a password only adds a factor.
  const mfaRequired = client.require_mfa || (env.REQUIRE_MFA === "true" && !isAccountClient(client.client_id));
  const anyOf = mfaRequired ? [ACR.mfa] : known;
  const askedUnknownOnly = essential !== undefined && essential.length > 0 && known.length === 0;
  return { anyOf, unsupported: askedUnknownOnly && !mfaRequired };
}

/** Whether the session's methods meet the demand (no demand is always met). */
export function meetsDemand(amr: readonly string[], demand: AcrDemand): boolean {
  return demand.anyOf.length === 0 || demand.anyOf.some((acr) => satisfies(amr, acr));
}

/**
 * The `acr` claim: the most preferred requested class the sign-in met (OIDC Core §2: "the Authentication Context
 * Class satisfied by the authentication performed"), else the class it reached.
 */
export function acrClaim(amr: readonly string[], demand: AcrDemand): string {
  return demand.anyOf.find((acr) => satisfies(amr, acr)) ?? achievedAcr(amr);
}

const AcrRequest = v.object({
  id_token: v.object({
    acr: v.object({
      essential: v.literal(true),
      value: v.optional(v.string()),
      values: v.optional(v.array(v.string())),
    }),
  }),
});

/** The values of an essential acr request in the claims parameter (validated JSON, src/authorization/request.ts). */
function essentialAcr(claims: string | undefined): string[] | undefined {
  if (claims === undefined) return undefined;
  const parsed = v.safeParse(AcrRequest, JSON.parse(claims));
  if (!parsed.success) return undefined;
  const { value, values } = parsed.output.id_token.acr;
  return values ?? (value === undefined ? [] : [value]);
}
