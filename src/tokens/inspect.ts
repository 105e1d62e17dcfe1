// What any token presented to introspection or revocation is: a JWT access token, an opaque access token,
// or a refresh token, resolved through the Grant object that issued it.
import { decodeJwt, jwtVerify } from "jose";
import { config } from "../config";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { ownKeyResolver } from "../keys/store";
import { ACCESS_TOKEN_TYP, audienceFor, grantIdFrom, looksLikeJwt, oneOrMany, resolveAccessToken } from "./access-token";
import { hashSecret, parseHandle } from "./grant-token";
import { grantSubject } from "./subject";

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
  if (looksLikeJwt(token)) {
    const access = await resolveAccessToken(env, token);
    if (!access) return null;
    const { grant, subject, scope, iat, exp, aud } = access;
    return { kind: "access_token", grant, subject, scope, iat, exp, aud };
  }
  const handle = parseHandle(env, token);
  if (!handle) return null;
  const info = await env.GRANT.get(handle.id).lookupHandle(await hashSecret(handle.secret));
  if (!info) return null;
  const issuedTo = await grantSubject(env, info.grant);
  if (!issuedTo) return null;
  const aud = info.kind !== "access_token" ? undefined : info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope);
  return { kind: info.kind, grant: info.grant, subject: issuedTo.subject, scope: info.scope, iat: info.iat, exp: info.exp, aud };
}

export type Revocation = "revoked" | "not_found" | "wrong_client";

/** RFC 7009 §2.1: revoke a token of either kind on behalf of the client it was issued to. */
export async function revokeToken(env: Env, token: string, clientId: string): Promise<Revocation> {
  if (looksLikeJwt(token)) {
    const jti = await verifiedJti(env, token);
    const grantId = jti ? grantIdFrom(env, jti.split(".")[0] ?? "") : null;
    if (!jti || !grantId) return "not_found";
    return env.GRANT.get(grantId).revokeJwt(jti, clientId);
  }
  const handle = parseHandle(env, token);
  if (!handle) return "not_found";
  return env.GRANT.get(handle.id).revokeHandle(await hashSecret(handle.secret), clientId);
}

/** Our signature, whatever the expiry (an expired token needs no revoking, but revoking it is harmless). */
async function verifiedJti(env: Env, token: string): Promise<string | undefined> {
  try {
    await jwtVerify(token, await ownKeyResolver(env), {
      issuer: env.ISSUER,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...config.signingAlgorithms],
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
  } catch {
    return undefined;
  }
  const { jti } = decodeJwt(token);
  return typeof jti === "string" ? jti : undefined;
}
