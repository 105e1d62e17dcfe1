// grant_type=refresh_token (RFC 6749 §6) with rotation on every use and reuse detection (RFC 9700 §4.14.2).
import { invalidGrant, invalidRequest, invalidScope } from "../errors";
import { objects } from "../storage";
import { hashSecret, parseHandle } from "../tokens/grant-token";
import { prepareIssuance, readyToIssue, tokenResponse } from "../tokens/issue";
import { openSuccessor, sealSuccessor } from "../tokens/refresh-retry";
import { grantRefused } from "./grant-failure";
import { parseScope } from "./scope";
import { requestedAudience } from "./resource";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

export const refreshToken: GrantHandler = {
  grantType: "refresh_token",
  async handle({ env, client, params, dpop }: GrantContext): Promise<TokenResponse> {
    if (!params.refresh_token) throw invalidRequest("refresh_token is required");
    const handle = parseHandle(env, params.refresh_token);
    if (!handle) throw invalidGrant("invalid refresh token");
    const requestedScope = params.scope === undefined ? undefined : parseScope(params.scope);
    if (requestedScope?.length === 0) throw invalidScope("scope is empty");

    await readyToIssue(env, client);
    const prepared = await prepareIssuance(client, requestedScope, true, requestedAudience(params), dpop?.jkt);
    const successor = prepared.refreshSecret;
    const refresh = prepared.issuance.refresh;
    if (!successor || !refresh) throw new Error("refresh secret not prepared");
    await dpop?.spend();
    const result = await objects.grant(env, handle.id).refresh({
      presentedHash: await hashSecret(handle.secret),
      clientId: client.client_id,
      encryptedNext: await sealSuccessor(handle.secret, successor),
      requestedScope,
      dpopJkt: dpop?.jkt,
      issuance: { ...prepared.issuance, refresh },
    });
    if (!result.ok) throw grantRefused(result);

    // Inside the grace window a retry gets the successor already issued, not a new one.
    const refreshSecret = result.retryOf ? await openSuccessor(handle.secret, result.retryOf) : successor;
    // OIDC Core §12.2: the refreshed ID token keeps sub, aud and auth_time, has a new iat, and no nonce.
    return tokenResponse(env, client, handle.id, result.grant, prepared, {
      refreshSecret,
      idToken: true,
      includeNonce: false,
    });
  },
};
