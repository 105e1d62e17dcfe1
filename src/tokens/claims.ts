// Which user claims a grant releases: OIDC Core §5.4 maps each standard scope to its claims.
import { config } from "../config";
import type { User } from "../users/store";

export function claimsForScopes(user: User, scopes: readonly string[]): Record<string, unknown> {
  const released: Record<string, unknown> = {};
  for (const scope of scopes) {
    for (const name of config.scopeClaims[scope] ?? []) {
      if (user.claims[name] !== undefined) released[name] = user.claims[name];
    }
  }
  return { ...released, sub: user.sub };
}
