// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5, OIDC Core §3.1.3).
import { base64url } from "jose";
import { invalidGrant, invalidRequest } from "../errors";
import { sha256 } from "../lib/crypto";
import { openCode } from "../authorization/code";
import { objects } from "../storage";
import { hashSecret } from "../tokens/grant-token";
import { prepareIssuance, readyToIssue, tokenResponse } from "../tokens/issue";
import { grantRefused } from "./grant-failure";
import { requestedAudience } from "./resource";
import type { GrantContext, GrantHandler, TokenResponse } from "./types";

// RFC 7636 §4.1: code_verifier = 43*128unreserved.
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export const authorizationCode: GrantHandler = {
  grantType: "authorization_code",
  async handle({ env, client, params, dpop }: GrantContext): Promise<TokenResponse> {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = params;
    if (!code) throw invalidRequest("code is required");
    // RFC 6749 §4.1.3: redirect_uri is required when it was in the authorization request (always, here).
    if (!redirectUri) throw invalidRequest("redirect_uri is required");
    if (verifier !== undefined && !CODE_VERIFIER.test(verifier)) throw invalidRequest("code_verifier is malformed");
    const opened = await openCode(env, code);
    if (!opened) throw invalidGrant("invalid authorization code");
    checkCodeBinding(opened.code.dpopJkt, dpop?.jkt);

    await readyToIssue(env, client);
    // Whether this grant gets a refresh token was decided at authorization; a secret is prepared for the
    // case it does, and the Grant object registers it only then.
    const prepared = await prepareIssuance(
      client,
      undefined,
      client.grant_types.includes("refresh_token"),
      requestedAudience(params),
      dpop?.jkt,
    );
    await dpop?.spend();
    const result = await objects.grant(env, opened.grantId).redeemCode({
      codeHash: await hashSecret(code),
      sealed: opened.code,
      clientId: client.client_id,
      redirectUri,
      verifierChallenge: verifier === undefined ? undefined : base64url.encode(await sha256(verifier)),
      issuance: prepared.issuance,
    });
    if (!result.ok) throw grantRefused(result);
    return tokenResponse(env, client, opened.grantId, result.grant, prepared, {
      refreshSecret: result.refreshIssued ? prepared.refreshSecret : undefined,
      idToken: true,
      includeNonce: true,
    });
  },
};

/**
 * RFC 9449 §10: a code bound to a key (dpop_jkt) is redeemed only with a proof of that key. Checked before the
 * Grant object is called, so a request without the key spends nothing. invalid_grant, as node-oidc-provider answers:
 * the code is not valid for this request.
 */
function checkCodeBinding(boundJkt: string | undefined, proofJkt: string | undefined): void {
  if (boundJkt === undefined) return;
  if (proofJkt === undefined) throw invalidGrant("this authorization code requires a DPoP proof");
  if (proofJkt !== boundJkt) throw invalidGrant("the DPoP proof's key does not match the code's dpop_jkt");
}
