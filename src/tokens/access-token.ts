// JWT access tokens per RFC 9068. The jti starts with the grant id, so our own endpoints (userinfo) can ask
// the Grant object whether the grant behind a token is still active.
import { jwtVerify } from "jose";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { invalidToken } from "../errors";
import { randomToken } from "../lib/crypto";
import { ownKeyResolver } from "../keys/store";
import { signJwt } from "./sign";

export const ACCESS_TOKEN_TYP = "at+jwt";

export interface AccessTokenInput {
  grantId: string;
  sub: string;
  clientId: string;
  scope: string[];
  authTime: number | undefined;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  expiresAt: number;
}

export async function issueAccessToken(env: Env, input: AccessTokenInput): Promise<IssuedAccessToken> {
  const iat = nowSeconds();
  const expiresIn = config.lifetimes.accessToken;
  const token = await signJwt(env, config.accessTokenSigningAlg, ACCESS_TOKEN_TYP, {
    iss: env.ISSUER,
    sub: input.sub,
    // RFC 9068 §3: aud identifies the resource server; without a resource indicator that is this issuer
    // (its userinfo endpoint).
    aud: env.ISSUER,
    iat,
    exp: iat + expiresIn,
    jti: `${input.grantId}.${randomToken(16)}`,
    client_id: input.clientId,
    scope: input.scope.join(" "),
    ...(input.authTime === undefined ? {} : { auth_time: input.authTime }),
  });
  return { token, expiresIn, expiresAt: iat + expiresIn };
}

export interface VerifiedAccessToken {
  grantId: string;
  sub: string;
  scope: string[];
}

/** Verifies one of our access tokens (RFC 9068 §4): signature, typ, iss, aud, exp. */
export async function verifyAccessToken(env: Env, token: string): Promise<VerifiedAccessToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await ownKeyResolver(env), {
      issuer: env.ISSUER,
      audience: env.ISSUER,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...config.signingAlgorithms],
      currentDate: new Date(nowSeconds() * 1000),
    }));
  } catch {
    throw invalidToken("the access token is invalid or expired");
  }
  const grantId = typeof payload.jti === "string" ? payload.jti.split(".")[0] : undefined;
  if (!grantId || typeof payload.sub !== "string" || typeof payload.scope !== "string") {
    throw invalidToken("the access token is invalid or expired");
  }
  return { grantId, sub: payload.sub, scope: payload.scope.split(" ") };
}
