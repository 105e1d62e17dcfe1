// One error type for the whole provider, and the one place it becomes a response.
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { renderErrorPage } from "./views/error-page";
import { authorizationResponse, type ResponseMode } from "./authorization/response";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "login_required"
  | "consent_required"
  | "interaction_required"
  | "invalid_token"
  | "insufficient_scope"
  | "temporarily_unavailable"
  | "invalid_target"
  | "server_error"
  // RFC 7591 §3.2.2: dynamic client registration errors.
  | "invalid_redirect_uri"
  | "invalid_client_metadata";

/** Where an authorization-endpoint error goes once client and redirect_uri are validated (RFC 6749 §4.1.2.1). */
export interface RedirectTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | undefined;
}

interface OAuthErrorOptions {
  status?: number;
  /** RFC 6750 §3 / RFC 6749 §5.2 challenge header. */
  wwwAuthenticate?: string;
  /** Set only after client_id and redirect_uri are validated: the error is then sent back to the client. */
  redirect?: RedirectTarget;
  /** Show our own HTML error page (a browser-facing endpoint before the redirect URI is trusted). */
  page?: boolean;
}

export class OAuthError extends Error {
  readonly status: number;
  readonly wwwAuthenticate: string | undefined;
  readonly redirect: RedirectTarget | undefined;
  readonly page: boolean;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${error}: ${description}`);
    this.status = options.status ?? 400;
    this.wwwAuthenticate = options.wwwAuthenticate;
    this.redirect = options.redirect;
    this.page = options.page ?? false;
  }

  /** The same error, now addressed to the validated redirect URI. */
  redirectTo(target: RedirectTarget): OAuthError {
    return new OAuthError(this.error, this.description, { redirect: target });
  }

  /** The same error, shown on our error page. */
  asPage(): OAuthError {
    return new OAuthError(this.error, this.description, { status: this.status, page: true });
  }
}

export const invalidRequest = (description: string) => new OAuthError("invalid_request", description);
export const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);
export const invalidScope = (description: string) => new OAuthError("invalid_scope", description);
export const unauthorizedClient = (description: string) => new OAuthError("unauthorized_client", description);

/** RFC 6749 §5.2: failed client authentication is 401 with a WWW-Authenticate challenge. */
export const invalidClient = (description: string) =>
  new OAuthError("invalid_client", description, { status: 401, wwwAuthenticate: 'Basic realm="edge-oidc"' });

/** RFC 6750 §3.1: a missing, malformed, expired or revoked bearer token. */
export const invalidToken = (description: string) =>
  new OAuthError("invalid_token", description, {
    status: 401,
    wwwAuthenticate: `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "")}"`,
  });

/** RFC 6750 §3: a request without any bearer token gets a bare challenge and no error code. */
export class MissingBearerToken extends OAuthError {
  constructor() {
    super("invalid_token", "no access token", { status: 401, wwwAuthenticate: 'Bearer realm="edge-oidc"' });
  }
}

/** Runs a step of a browser-facing endpoint whose errors must be shown on our page, never redirected. */
export async function withErrorPage<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw err instanceof OAuthError ? err.asPage() : err;
  }
}

/** app.onError: OAuthError becomes its standard response; anything else is logged and becomes server_error. */
export function handleError(err: Error, c: Context<AppEnv>): Response | Promise<Response> {
  const oauth = err instanceof OAuthError ? err : undefined;
  if (!oauth) {
    // Internal detail goes to the log only, never to the client.
    console.error("unhandled error", err.name, err.message);
    return errorJson(new OAuthError("server_error", "internal error", { status: 500 }));
  }
  if (oauth.redirect) {
    return authorizationResponse(c, oauth.redirect, {
      error: oauth.error,
      error_description: oauth.description,
    });
  }
  if (oauth.page) return renderErrorPage(c, oauth.error, oauth.description, oauth.status);
  if (oauth instanceof MissingBearerToken) {
    return new Response(null, { status: 401, headers: { "WWW-Authenticate": oauth.wwwAuthenticate ?? "Bearer" } });
  }
  return errorJson(oauth);
}

function errorJson(err: OAuthError): Response {
  const headers = new Headers({
    "Content-Type": "application/json;charset=UTF-8",
    "Cache-Control": "no-store",
  });
  if (err.wwwAuthenticate) headers.set("WWW-Authenticate", err.wwwAuthenticate);
  return new Response(JSON.stringify({ error: err.error, error_description: err.description }), {
    status: err.status,
    headers,
  });
}
