// What any token presented to introspection or revocation is: an access token of either format (resolved in
// src/tokens/access-token.ts), or a refresh token, resolved through the Grant object that issued it.
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { objects } from "../storage";
import { grantOfJti, looksLikeJwt, resolveAccessToken, resolveGrantHandle, revokeClientToken, verifyOwnAccessToken } from "./access-token";
import { hashSecret, parseHandle } from "./grant-token";

export interface ActiveToken {
  kind: "access_token" | "refresh_token";
  grant: GrantView;
  /** The sub the token's client sees (public or pairwise); grant.sub is the local one. */
  subject: string;
  scope: string[];
  iat: number | undefined;
  exp: number;
  aud: string | string[] | undefined;
}

/** The token if it is active (RFC 7662 §2.2), otherwise null. */
export async function activeToken(env: Env, token: string): Promise<ActiveToken | null> {
  const handle = parseHandle(env, token);
  if (!handle) {
    const access = await resolveAccessToken(env, token);
    return access && { kind: "access_token", grant: access.grant, subject: access.subject, scope: access.scope, iat: access.iat, exp: access.exp, aud: access.aud };
  }
  // A Grant handle is an opaque access token or a refresh token: one lookup answers either.
  const resolved = await resolveGrantHandle(env, handle);
  return resolved && { kind: resolved.kind, grant: resolved.grant, subject: resolved.subject, scope: resolved.scope, iat: resolved.iat, exp: resolved.exp, aud: resolved.aud };
}

export type Revocation = "revoked" | "not_found" | "wrong_client";

/** RFC 7009 §2.1: revoke a token of either kind on behalf of the client it was issued to. */
export async function revokeToken(env: Env, token: string, clientId: string): Promise<Revocation> {
  const ofClient = await revokeClientToken(env, token, clientId);
  if (ofClient) return ofClient;
  if (looksLikeJwt(token)) {
    const jti = (await verifyOwnAccessToken(env, token, true))?.jti;
    const grantId = typeof jti === "string" ? grantOfJti(env, jti) : null;
    if (typeof jti !== "string" || !grantId) return "not_found";
    return objects.grant(env, grantId).revokeJwt(jti, clientId);
  }
  const handle = parseHandle(env, token);
  if (!handle) return "not_found";
  return objects.grant(env, handle.id).revokeHandle(await hashSecret(handle.secret), clientId);
}
