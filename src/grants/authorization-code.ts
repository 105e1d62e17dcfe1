// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5, OIDC Core §3.1.3).
import { base64url } from "jose";
import { nowSeconds } from "../clock";
import { config } from "../config";
import { invalidGrant, invalidRequest } from "../errors";
import { sha256 } from "../lib/crypto";
import { issueAccessToken } from "../tokens/access-token";
import { hashSecret, parseHandle } from "../tokens/grant-token";
import { issueIdToken } from "../tokens/id-token";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

// RFC 7636 §4.1: code_verifier = 43*128unreserved.
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export const authorizationCode: GrantHandler = {
  grantType: "authorization_code",
  async handle({ env, client, params }: GrantContext): Promise<TokenResponse> {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
    if (!code) throw invalidRequest("code is required");
    // RFC 6749 §4.1.3: redirect_uri is required when it was in the authorization request (always, here).
    if (!redirectUri) throw invalidRequest("redirect_uri is required");
    if (verifier !== undefined && !CODE_VERIFIER.test(verifier)) throw invalidRequest("code_verifier is malformed");
    const handle = parseHandle(env, code);
    if (!handle) throw invalidGrant("invalid authorization code");

    const accessTokenExpiresAt = nowSeconds() + config.lifetimes.accessToken;
    const result = await env.GRANT.get(handle.id).redeemCode({
      codeHash: await hashSecret(handle.secret),
      clientId: client.client_id,
      redirectUri,
      verifierChallenge: verifier === undefined ? undefined : base64url.encode(await sha256(verifier)),
      tokensExpireAt: accessTokenExpiresAt,
    });
    if (!result.ok) throw invalidGrant(result.reason);

    const { grant } = result;
    const accessToken = await issueAccessToken(env, {
      grantId: handle.id.toString(),
      sub: grant.sub,
      clientId: client.client_id,
      scope: grant.scope,
      authTime: grant.authTime,
    });
    const response: TokenResponse = {
      access_token: accessToken.token,
      token_type: "Bearer",
      expires_in: accessToken.expiresIn,
      scope: grant.scope.join(" "),
    };
    // OIDC Core §3.1.3.3: an ID token when the request was an OpenID Connect one.
    if (grant.scope.includes("openid")) response.id_token = await issueIdToken(env, client, grant, accessToken.token);
    return response;
  },
};
