// OpenID Connect RP-Initiated Logout 1.0 §2-§3: what a logout request asks for, validated before anything is done.
// Any problem is shown on our own page: the request is never sent anywhere its client did not register.
import { decodeJwt, type JWTPayload } from "jose";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import { invalidRequest } from "../errors";
import type { Params } from "../http/params";
import { verifyIdTokenHint } from "../tokens/id-token-hint";

export interface LogoutRequest {
  client: Client | undefined;
  /** Where the browser goes afterwards: one of the client's registered post_logout_redirect_uris, exactly. */
  redirect: { uri: string; state: string | undefined } | undefined;
  /** A valid id_token_hint: the sub and the sid the client sees (src/tokens/subject.ts), as the ID token had them. */
  hint: { sub: string; sid: string | undefined } | undefined;
  uiLocales: string | undefined;
}

export async function validateLogoutRequest(env: Env, params: Params): Promise<LogoutRequest> {
  const hintClientId = params.id_token_hint === undefined ? undefined : hintAudience(params.id_token_hint);
  // §2: "When both client_id and id_token_hint are present, the OP MUST verify that the Client Identifier matches
  // the one used when issuing the ID Token."
  if (params.client_id !== undefined && hintClientId !== undefined && params.client_id !== hintClientId)
    throw invalidRequest("client_id does not match the id_token_hint");
  const clientId = params.client_id ?? hintClientId;
  const client = clientId === undefined ? undefined : ((await findClient(env, clientId)) ?? undefined);
  if (clientId !== undefined && !client) throw invalidRequest("the application is not known");
  const hint =
    client && params.id_token_hint !== undefined ? await checkedHint(env, client, params.id_token_hint) : undefined;
  return {
    client,
    redirect: postLogoutRedirect(client, params.post_logout_redirect_uri, params.state),
    hint,
    uiLocales: params.ui_locales,
  };
}

/** The client an ID token was issued to (azp, else its single audience), read before its signature is checked. */
function hintAudience(hint: string): string {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(hint);
  } catch {
    throw invalidRequest("id_token_hint is not an ID token");
  }
  const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud;
  const clientId = typeof claims.azp === "string" ? claims.azp : aud;
  if (typeof clientId !== "string") throw invalidRequest("id_token_hint is not an ID token");
  return clientId;
}

/** §2: an ID token this provider issued to the client, expired or not (src/tokens/id-token-hint.ts). */
async function checkedHint(env: Env, client: Client, hint: string): Promise<LogoutRequest["hint"]> {
  try {
    return await verifyIdTokenHint(env, client, hint);
  } catch {
    throw invalidRequest("id_token_hint is not an ID token issued by this provider");
  }
}

/**
 * §3: "The value MUST have been previously registered with the OP"; "the OP MUST NOT perform post-logout
 * redirection if the post_logout_redirect_uri value supplied does not exactly match one of the previously
 * registered post_logout_redirect_uris values". The client comes from client_id or the hint: the registration is
 * what confirms "the legitimacy of the post-logout redirection target" (§3).
 */
function postLogoutRedirect(
  client: Client | undefined,
  uri: string | undefined,
  state: string | undefined,
): LogoutRequest["redirect"] {
  if (uri === undefined) return undefined;
  if (!client) throw invalidRequest("post_logout_redirect_uri needs client_id or id_token_hint");
  if (!client.post_logout_redirect_uris.includes(uri))
    throw invalidRequest("post_logout_redirect_uri is not registered for this application");
  return { uri, state };
}

/** The redirect: the registered URI with `state` added to its own query (§3: "state ... passed ... as a query parameter"). */
export function postLogoutLocation(redirect: NonNullable<LogoutRequest["redirect"]>): string {
  const url = new URL(redirect.uri);
  if (redirect.state !== undefined) url.searchParams.append("state", redirect.state);
  return url.toString();
}
