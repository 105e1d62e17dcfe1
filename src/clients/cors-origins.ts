// The web origins from which a client's browser app may call the token, userinfo and revocation endpoints
// (draft-ietf-oauth-browser-based-apps, CORS per the Fetch standard §3.2). No standard client metadata names them:
// `allowed_cors_origins` is ours. Absent, a public client gets the origins of its http(s) redirect URIs (the SPA
// that receives the code is the one that redeems it); a confidential client gets none, since a browser app cannot
// keep its secret.
import { isLoopback } from "../lib/urls";
import type { Client } from "./schema";

/** Why a value is not a web origin we accept, or undefined: scheme, host and optional port, https or loopback http. */
export function webOriginProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return "is not an origin (scheme://host[:port])";
  const url = new URL(value);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url)))
    return "must use https (http only on a loopback host)";
  // Fetch §3.1 `Origin` carries the serialized origin (RFC 6454 §6.2): lower-case host, no default port, no
  // path or trailing slash. Only that exact form can match the header, so only that form is stored.
  if (value !== url.origin) return `is not a serialized origin (expected ${url.origin})`;
  return undefined;
}

/** The origins allowed for this client: explicit, else derived from a public client's redirect URIs. */
function corsOrigins(client: Client): readonly string[] {
  if (client.allowed_cors_origins !== undefined) return client.allowed_cors_origins;
  if (client.token_endpoint_auth_method !== "none") return [];
  const origins = new Set<string>();
  for (const uri of client.redirect_uris) {
    const url = URL.canParse(uri) ? new URL(uri) : undefined;
    // Private-use schemes of native apps have an opaque origin ("null"), which must never match.
    if (url?.protocol === "https:" || url?.protocol === "http:") origins.add(url.origin);
  }
  return [...origins];
}

/** Whether the request's `Origin` header value is one of the client's origins (an exact, case-sensitive match). */
export function corsOriginAllowed(client: Client, origin: string): boolean {
  return corsOrigins(client).includes(origin);
}
