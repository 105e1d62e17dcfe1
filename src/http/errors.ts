// Where an OAuthError becomes a response. Token-style endpoints and APIs answer RFC 6749 §5.2 JSON; the pages
// (and /authorize until the client and its redirect URI are trusted) show our error page, never a redirect
// (RFC 6749 §4.1.2.1). Errors sent back to a client's redirect URI are built in src/authorization/response.ts.
// Anything that is not an OAuthError is logged and becomes server_error: no internal detail reaches a response.
import type { ErrorHandler, NotFoundHandler } from "hono";
import type { AppEnv } from "../env";
import { MissingBearerToken, OAuthError, requestRefused, serverError } from "../errors";
import { renderErrorPage } from "../views/error-page";
import { NO_STORE } from "./no-store";

/** app.onError for the JSON endpoints. */
export const jsonErrors: ErrorHandler<AppEnv> = (err) => errorJson(asOAuthError(err));

/** onError of the browser-facing routes: the error page. */
export const pageErrors: ErrorHandler<AppEnv> = (err, c) => {
  const oauth = asOAuthError(err);
  return renderErrorPage(c, oauth);
};

export const notFound: NotFoundHandler<AppEnv> = () => errorJson(requestRefused(404, "not found"));

/** The error as an OAuthError, its detail (or the unexpected error itself) written to the log. */
function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) {
    if (err.detail !== undefined) console.log("oauth error", err.error, err.detail);
    return err;
  }
  console.error("unhandled error", err instanceof Error ? `${err.name}: ${err.message}` : typeof err);
  return serverError("internal error");
}

/** RFC 6749 §5.2 (and RFC 6750 §3 for bearer errors): a JSON error body, never cached. */
export function errorJson(err: OAuthError): Response {
  // nosniff: a JSON error is never rendered as anything else, whatever it quotes.
  const headers = new Headers({ ...NO_STORE, "X-Content-Type-Options": "nosniff" });
  if (err.wwwAuthenticate) headers.set("WWW-Authenticate", err.wwwAuthenticate);
  for (const [name, value] of Object.entries(err.headers)) headers.set(name, value);
  // RFC 6750 §3: a request with no token at all gets the bare challenge and no error body.
  if (err instanceof MissingBearerToken) return new Response(null, { status: err.status, headers });
  headers.set("Content-Type", "application/json;charset=UTF-8");
  return new Response(JSON.stringify({ error: err.error, error_description: err.description }), {
    status: err.status,
    headers,
  });
}
