// Sending an authorization response (success or error) back to a validated redirect URI, in the requested
// response mode: query or fragment (OAuth 2.0 Multiple Response Types §2) or form_post (OAuth 2.0 Form Post).
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { OAuthError } from "../errors";
import { renderFormPost } from "../views/form-post";

/** The response modes we support: validation, the request's schema and discovery all read this list. */
export const RESPONSE_MODES = ["query", "fragment", "form_post"] as const;
type ResponseMode = (typeof RESPONSE_MODES)[number];

/** Where an authorization response goes, once client and redirect_uri are validated (RFC 6749 §4.1.2.1). */
export interface RedirectTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | undefined;
}

export function authorizationResponse(
  c: Context<AppEnv>,
  target: RedirectTarget,
  fields: Record<string, string>,
): Response | Promise<Response> {
  const params: Record<string, string> = { ...fields };
  if (target.state !== undefined) params.state = target.state;
  // RFC 9207 §2: the iss parameter lets the client detect mix-up attacks.
  params.iss = c.env.ISSUER;
  if (target.responseMode === "form_post") return renderFormPost(c, target.redirectUri, params);
  const url = new URL(target.redirectUri);
  if (target.responseMode === "fragment") {
    url.hash = new URLSearchParams(params).toString();
  } else {
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  }
  // c.redirect keeps headers set earlier on the context (the session cookie after a login).
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(url.toString(), 303);
}

/** RFC 6749 §4.1.2.1: an error for a trusted redirect URI goes back to the client. */
export function authorizationError(
  c: Context<AppEnv>,
  target: RedirectTarget,
  err: OAuthError,
): Response | Promise<Response> {
  if (err.detail !== undefined) console.log("oauth error", err.error, err.detail);
  return authorizationResponse(c, target, { error: err.error, error_description: err.description });
}
