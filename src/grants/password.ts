// grant_type=password (RFC 6749 §4.3), as the API-gateway tutorial uses it: off unless the client's
// grant_types include it (checked by the token endpoint); failed attempts count towards the login throttle.
import { config } from "../config";
import { allowedScopes } from "../clients/schema";
import { nowSeconds } from "../clock";
import { invalidGrant, invalidRequest, invalidScope } from "../errors";
import { prepareIssuance, tokenResponse, wantsRefreshToken } from "../tokens/issue";
import { objects } from "../storage";
import { passwordLogin } from "../users/login";
import { parseScope, requireAllowed } from "./scope";
import { requestedAudience } from "./resource";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

export const password: GrantHandler = {
  grantType: "password",
  async handle({ env, client, params, source, dpop }: GrantContext): Promise<TokenResponse> {
    const { username, password: secret } = params;
    if (!username || !secret) throw invalidRequest("username and password are required");
    const scope = requireAllowed(parseScope(params.scope), allowedScopes(client));
    if (scope.length === 0) throw invalidScope("scope is required");
    const login = await passwordLogin(env, username, secret, source);
    // RFC 6749 §5.2: invalid resource owner credentials are invalid_grant.
    if (!login.ok)
      throw invalidGrant(login.throttled ? "too many failed attempts; try again later" : "wrong username or password");

    // A password is one factor: a user who turned on two-step verification (the authenticator app), or a client or deployment that needs two, is refused
    // (this grant has no way to ask for the second; the authorization code flow has).
    if (client.require_mfa || env.REQUIRE_MFA === "true") throw invalidGrant("this client needs two-factor sign-in");
    if ((await objects.account(env, login.user.sub).factorSummary()).totp) {
      throw invalidGrant("this user signs in with two factors; use the authorization code flow");
    }
    await dpop?.spend();
    const grantId = objects.newGrantId(env);
    const prepared = await prepareIssuance(
      client,
      scope,
      wantsRefreshToken(client, scope),
      requestedAudience(params),
      dpop?.jkt,
    );
    const init = {
      clientId: client.client_id,
      sub: login.user.sub,
      scope,
      authTime: nowSeconds(),
      amr: [...config.passwordAmr],
      offline: prepared.refreshSecret !== undefined,
      credential: login.user.password?.salt,
    };
    // The Grant object then announces itself to the user's Account and the client's ClientState (its alarm).
    await objects.grant(env, grantId).createIssued(init, prepared.issuance);
    return tokenResponse(env, client, grantId, init, prepared, {
      refreshSecret: prepared.refreshSecret,
      idToken: true,
      includeNonce: false,
    });
  },
};
