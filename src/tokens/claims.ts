// Which user claims a grant releases: OIDC Core §5.4 maps each standard scope to its claims, and the `claims`
// request parameter (§5.5) asks for individual claims in the ID token or at userinfo. Clients may also have
// their own ID-token claims (client.custom_claims: static values, or mapped from user attributes).
import * as v from "valibot";
import type { Client } from "../clients/schema";
import { allScopeClaims, config } from "../config";
import type { User } from "../users/store";

type Target = "id_token" | "userinfo";

const ClaimsRequest = v.record(
  v.string(),
  v.optional(v.nullable(v.record(v.string(), v.nullable(v.object({ essential: v.optional(v.boolean()) }))))),
);

/** Only standard user claims can be asked for; other names are ignored (OIDC Core §5.5: unknown claims are). */
const REQUESTABLE = new Set(allScopeClaims());

/**
 * Claim names the `claims` parameter requests for a target (essential and voluntary ones). They are released
 * only because the user consented to them by name (see claimsToConsent), never just because they were asked.
 */
export function requestedClaimNames(claimsParameter: string | undefined, target: Target): string[] {
  if (!claimsParameter) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(claimsParameter);
  } catch {
    return [];
  }
  const parsed = v.safeParse(ClaimsRequest, raw);
  const members = parsed.success ? parsed.output[target] : undefined;
  return members ? Object.keys(members).filter((name) => REQUESTABLE.has(name)) : [];
}

/** What the user consents to: the scopes, and each claim asked for by name (OIDC Core §3.1.2.4, §5.5). */
export function consentItems(scopes: readonly string[], claimsParameter: string | undefined): string[] {
  const claims = new Set([
    ...requestedClaimNames(claimsParameter, "id_token"),
    ...requestedClaimNames(claimsParameter, "userinfo"),
  ]);
  return [...scopes, ...[...claims].map((name) => `claim:${name}`)];
}

/** The claims each scope requests (OIDC Core §5.4). */
export function scopeClaimNames(scopes: readonly string[]): string[] {
  return scopes.flatMap((scope) => config.scopeClaims[scope] ?? []);
}

/** The user's values for the named claims (absent values are left out), always with `sub`. */
export function pickClaims(user: User, names: Iterable<string>): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  for (const name of names) {
    if (user.claims[name] !== undefined) released[name] = user.claims[name];
  }
  return { ...released, sub: user.sub };
}

/** A client's own ID-token claims: mapped from the user's attributes (when present), then its static values. */
export function customClaims(client: Client, user: User | null): Record<string, unknown> {
  const mapped: Record<string, unknown> = {};
  for (const [claim, attribute] of Object.entries(client.custom_claims.mapped)) {
    const value = user?.claims[attribute];
    if (value !== undefined) mapped[claim] = value;
  }
  return { ...mapped, ...client.custom_claims.static };
}

/** Whether building this client's ID token needs the user's record. */
export function needsUserForCustomClaims(client: Client): boolean {
  return Object.keys(client.custom_claims.mapped).length > 0;
}
