// grant_type=client_credentials (RFC 6749 §4.4): the client acts for itself. No ID token, no refresh token
// (§4.4.3). Each issuance is a Grant object, so its access token can be revoked and introspected.
import { allowedScopes, isPublicClient } from "../clients/schema";
import { unauthorizedClient } from "../errors";
import { prepareIssuance, tokenResponse } from "../tokens/issue";
import { parseScope, requireAllowed } from "./scope";
import { requestedAudience } from "./resource";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

/** Scopes that only make sense with a user. */
const USER_SCOPES = new Set(["openid", "offline_access"]);

export const clientCredentials: GrantHandler = {
  grantType: "client_credentials",
  async handle({ env, client, params }: GrantContext): Promise<TokenResponse> {
    // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
    if (isPublicClient(client)) throw unauthorizedClient("public clients cannot use client_credentials");
    const allowed = new Set([...allowedScopes(client)].filter((s) => !USER_SCOPES.has(s)));
    // RFC 6749 §3.3: without a scope, the client's registered scopes are the default.
    const requested = params.scope === undefined ? [...allowed] : parseScope(params.scope);
    const scope = requireAllowed(requested, allowed);

    const grantId = env.GRANT.newUniqueId();
    const prepared = await prepareIssuance(client, scope, false, requestedAudience(params));
    const init = { clientId: client.client_id, sub: client.client_id, scope, offline: false };
    await env.GRANT.get(grantId).createIssued(init, prepared.issuance);
    return tokenResponse(env, client, grantId, init, prepared, { refreshSecret: undefined, idToken: false, includeNonce: false });
  },
};
