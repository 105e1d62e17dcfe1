// Issuing the tokens of one token response. Secrets and hashes are prepared before the Grant object is
// called, so authorising and registering the tokens is a single atomic round trip. The Grant object keeps the
// local sub; the sub the client sees (public or pairwise) is computed here, once, for every token it gets.
import { nowSeconds } from "../clock";
import { isPublicClient, lifetime, type Client } from "../clients/schema";
import type { GrantView, Issuance } from "../durable/grant-state";
import type { Env } from "../env";
import type { TokenResponse } from "../grants/types";
import { randomToken } from "../lib/crypto";
import { findUserBySub } from "../users/store";
import { accessTokenAlgs, signJwtAccessToken } from "./access-token";
import { customClaims, needsUserForCustomClaims, pickClaims, requestedClaimNames } from "./claims";
import { hashSecret } from "./grant-token";
import { issueIdToken } from "./id-token";
import { recoverClientSecret } from "../clients/secrets";
import { signsWithProviderKey } from "../keys/algorithms";
import { clientEncryptionKey } from "../clients/keys";
import { sectorIdentifier } from "../clients/sector";
import { signingKey } from "../keys/store";
import { idTokenEncryption } from "./encrypt";
import { grantSubjectFor } from "./subject";

export interface PreparedIssuance {
  issuance: Issuance;
  iat: number;
  opaqueSecret: string | undefined;
  refreshSecret: string | undefined;
}

/**
 * Resolves what a token response needs that does not depend on the grant (signing keys, the HS256 secret, the
 * client's encryption key, its sector), before a code or refresh token is spent: a failure here (an unreachable
 * jwks_uri, say) leaves them unspent, so the client's retry is not mistaken for reuse and revokes nothing.
 * The keys land in isolate caches, so this adds no work to the response itself.
 */
export async function readyToIssue(env: Env, client: Client): Promise<void> {
  const idTokenAlg = client.id_token_signed_response_alg;
  const encryption = idTokenEncryption(client);
  if (client.subject_type === "pairwise") sectorIdentifier(client);
  await Promise.all([
    ...(client.access_token_format === "jwt" ? accessTokenAlgs().map((alg) => signingKey(env, alg)) : []),
    signsWithProviderKey(idTokenAlg) ? signingKey(env, idTokenAlg) : requireSecret(env, client),
    encryption ? clientEncryptionKey(client, encryption.alg) : undefined,
  ]);
}

async function requireSecret(env: Env, client: Client): Promise<void> {
  if (!(await recoverClientSecret(env, client)))
    throw new Error(`client ${client.client_id} has no recoverable secret for HS256`);
}

/** A refresh token goes to clients allowed the grant that asked for offline_access or always receive one. */
export function wantsRefreshToken(client: Client, scope: readonly string[]): boolean {
  if (!client.grant_types.includes("refresh_token")) return false;
  return scope.includes("offline_access") || client.always_issue_refresh_token;
}

/**
 * Secrets and hashes for one response; accessScope undefined means "the grant's scope" (code redemption);
 * audience is the RFC 8707 resource, when the request named one; dpopJkt the key of the request's DPoP proof.
 */
export async function prepareIssuance(
  client: Client,
  accessScope: string[] | undefined,
  withRefresh: boolean,
  audience: string[] | undefined,
  dpopJkt: string | undefined,
): Promise<PreparedIssuance> {
  const iat = nowSeconds();
  const opaqueSecret = client.access_token_format === "opaque" ? randomToken() : undefined;
  const refreshSecret = withRefresh ? randomToken() : undefined;
  return {
    iat,
    opaqueSecret,
    refreshSecret,
    issuance: {
      accessTokenExpiresAt: iat + lifetime(client, "accessToken"),
      accessScope,
      audience,
      opaqueHash: opaqueSecret === undefined ? undefined : await hashSecret(opaqueSecret),
      // RFC 9449 §6: the access token is bound to the proof's key, whichever the client.
      dpopJkt,
      refresh:
        refreshSecret === undefined
          ? undefined
          : {
              hash: await hashSecret(refreshSecret),
              idleLifetime: lifetime(client, "refreshTokenIdle"),
              absoluteLifetime: lifetime(client, "refreshTokenAbsolute"),
              graceSeconds: lifetime(client, "refreshGrace"),
              // RFC 9449 §5: "Refresh tokens issued to public clients MUST be bound to the DPoP key"; a
              // confidential client's are bound to its authentication instead.
              dpopJkt: isPublicClient(client) ? dpopJkt : undefined,
            },
    },
  };
}

export interface ResponseOptions {
  /** The refresh token to return (on a grace-window retry, the successor already issued). */
  refreshSecret: string | undefined;
  /** An ID token when openid is in scope and a user is involved. */
  idToken: boolean;
  includeNonce: boolean;
}

export async function tokenResponse(
  env: Env,
  client: Client,
  grantId: DurableObjectId,
  grant: GrantView,
  prepared: PreparedIssuance,
  options: ResponseOptions,
): Promise<TokenResponse> {
  const { issuance } = prepared;
  const scope = issuance.accessScope ?? grant.scope;
  // OIDC Core §8: the same sub in the access token, the ID token, userinfo and introspection for this client.
  const subject = await grantSubjectFor(env, client, grant);
  const accessToken = prepared.opaqueSecret
    ? `${grantId.toString()}.${prepared.opaqueSecret}`
    : await signJwtAccessToken(env, {
        grantId: grantId.toString(),
        clientId: client.client_id,
        subject,
        scope,
        iat: prepared.iat,
        exp: issuance.accessTokenExpiresAt,
        authTime: grant.authTime,
        audience: issuance.audience,
        jkt: issuance.dpopJkt,
      });
  const response: TokenResponse = {
    access_token: accessToken,
    // RFC 9449 §5: token_type DPoP tells the client to present the token with proofs.
    token_type: issuance.dpopJkt === undefined ? "Bearer" : "DPoP",
    expires_in: issuance.accessTokenExpiresAt - prepared.iat,
    scope: scope.join(" "),
  };
  if (options.refreshSecret) response.refresh_token = `${grantId.toString()}.${options.refreshSecret}`;
  // OIDC Core §3.1.3.3 / §12.2: an ID token when the (possibly narrowed) scope still has openid.
  if (options.idToken && scope.includes("openid")) {
    response.id_token = await issueIdToken(env, client, grant, accessToken, {
      includeNonce: options.includeNonce,
      subject,
      extraClaims: await idTokenClaims(env, client, grant),
    });
  }
  return response;
}

/**
 * Claims asked for in the ID token by the `claims` parameter, and the client's custom claims: one user-store
 * read, only when either needs the user's record.
 */
async function idTokenClaims(env: Env, client: Client, grant: GrantView): Promise<Record<string, unknown>> {
  const names = requestedClaimNames(grant.claims, "id_token");
  const user = names.length > 0 || needsUserForCustomClaims(client) ? await findUserBySub(env, grant.sub) : null;
  const { sub: _sub, ...requested } = user ? pickClaims(user, names) : {};
  return { ...requested, ...customClaims(client, user) };
}
