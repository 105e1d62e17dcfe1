// grant_type=client_credentials (RFC 6749 §4.4): the client acts for itself. No ID token, no refresh token
// (§4.4.3), and no Grant object: a JWT access token is signed and nothing is stored (its revocation is recorded
// in the client's ClientState only if it happens); an opaque token's hash goes to one of the client's
// ClientState shards. A warm isolate issues a JWT with no KV read and no Durable Object call (one with a DPoP
// proof: the proof's replay check, made by the token endpoint).
import { allowedScopes, isPublicClient, lifetime } from "../clients/schema";
import { nowSeconds } from "../clock";
import { unauthorizedClient } from "../errors";
import { objects } from "../storage";
import { mintClientOpaque, signJwtAccessToken } from "../tokens/access-token";
import { hashSecret } from "../tokens/grant-token";
import { parseScope, requireAllowed } from "./scope";
import { requestedAudience } from "./resource";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

/** Scopes that only make sense with a user. */
const USER_SCOPES = new Set(["openid", "offline_access"]);

export const clientCredentials: GrantHandler = {
  grantType: "client_credentials",
  async handle({ env, client, params, dpop }: GrantContext): Promise<TokenResponse> {
    // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
    if (isPublicClient(client)) throw unauthorizedClient("public clients cannot use client_credentials");
    const allowed = new Set([...allowedScopes(client)].filter((s) => !USER_SCOPES.has(s)));
    // RFC 6749 §3.3: without a scope, the client's registered scopes are the default.
    const scope = requireAllowed(params.scope === undefined ? [...allowed] : parseScope(params.scope), allowed);
    const audience = requestedAudience(params);
    const clientId = client.client_id;
    const iat = nowSeconds();
    const exp = iat + lifetime(client, "accessToken");
    // RFC 9449 §6: bound to the proof's key, as cnf.jkt in the JWT or in the opaque token's record.
    const jkt = dpop?.jkt;
    await dpop?.spend();
    let accessToken: string;
    if (client.access_token_format === "opaque") {
      const minted = mintClientOpaque(env, clientId);
      const record = {
        v: 1 as const,
        clientId,
        scope,
        ...(audience ? { aud: audience } : {}),
        iat,
        exp,
        ...(jkt ? { jkt } : {}),
      };
      await objects.clientState(env, clientId, minted.shard).storeOpaque(await hashSecret(minted.secret), record);
      accessToken = minted.value;
    } else {
      // RFC 9068 §2.2: for a client acting for itself, sub is its client_id.
      accessToken = await signJwtAccessToken(env, {
        grantId: undefined,
        clientId,
        subject: clientId,
        scope,
        iat,
        exp,
        authTime: undefined,
        audience,
        jkt,
      });
    }
    return {
      access_token: accessToken,
      token_type: jkt === undefined ? "Bearer" : "DPoP",
      expires_in: exp - iat,
      scope: scope.join(" "),
    };
  },
};
