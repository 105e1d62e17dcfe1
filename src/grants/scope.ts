// Scope rules shared by the grants (RFC 6749 §3.3).
import { invalidScope } from "../errors";

export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? "").split(" ").filter(Boolean))];
}

/** Requested scopes must all be allowed: a scope outside them is invalid_scope, never silently dropped. */
export function requireAllowed(requested: string[], allowed: ReadonlySet<string>): string[] {
  const refused = requested.filter((s) => !allowed.has(s));
  if (refused.length > 0) throw invalidScope(`scope not allowed: ${refused.join(" ")}`);
  return requested;
}
