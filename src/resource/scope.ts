// The scope check: every scope the API asks for must have been granted (RFC 6750 §3.1 insufficient_scope).
import type { AccessTokenClaims } from "./claims";
import { AccessTokenError } from "./errors";

export function requireScopes(claims: AccessTokenClaims, required: readonly string[]): void {
  // RFC 6749 §3.3: scope values are case-sensitive strings.
  const missing = required.filter((scope) => !claims.scopes.includes(scope));
  if (missing.length > 0) {
    // RFC 6750 §3: the challenge's scope attribute lists the scope "necessary to access the requested resource".
    throw new AccessTokenError(
      "ERR_INSUFFICIENT_SCOPE",
      `the access token lacks the ${missing.join(" ")} scope`,
      required,
    );
  }
}
