// Turning an AccessTokenError into the RFC 6750 §3 answer: status, WWW-Authenticate challenge, JSON body.
import type { AccessTokenError } from "./errors";

/**
 * RFC 6750 §3: the realm, scope and error_description values use only %x20-21 / %x23-5B / %x5D-7E (no `"`
 * or `\`), so every quoted value goes through here.
 */
function quotable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "");
}

/** The WWW-Authenticate value for an error, e.g. `Bearer realm="weather", error="invalid_token", ...`. */
export function challenge(err: AccessTokenError, realm?: string): string {
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm="${quotable(realm)}"`);
  // RFC 6750 §3.1: a request without authentication information "SHOULD NOT include an error code or other
  // error information" in the challenge.
  if (err.error) {
    params.push(`error="${err.error}"`, `error_description="${quotable(err.message)}"`);
  }
  if (err.error === "insufficient_scope") params.push(`scope="${quotable(err.requiredScopes.join(" "))}"`);
  return params.length > 0 ? `Bearer ${params.join(", ")}` : "Bearer";
}

/**
 * What a 503 tells the client. The error's own message names the issuer's URLs and statuses: internal detail,
 * logged by the caller (middleware.ts), never sent.
 */
const UNAVAILABLE_DESCRIPTION = "the authorization server could not be reached; try again later";

/** The whole answer. RFC 6750 §3: 401 (and 403 for insufficient_scope) with a WWW-Authenticate challenge. */
export function errorResponse(err: AccessTokenError, realm?: string): Response {
  const headers = new Headers({ "cache-control": "no-store" });
  if (err.status === 503) {
    // The issuer could not be asked: not an authentication failure, so no challenge.
    headers.set("content-type", "application/json");
    headers.set("retry-after", "5");
    return new Response(
      JSON.stringify({ error: "temporarily_unavailable", error_description: UNAVAILABLE_DESCRIPTION }),
      {
        status: 503,
        headers,
      },
    );
  }
  headers.set("www-authenticate", challenge(err, realm));
  if (!err.error) return new Response(null, { status: err.status, headers });
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify({ error: err.error, error_description: err.message }), {
    status: err.status,
    headers,
  });
}
