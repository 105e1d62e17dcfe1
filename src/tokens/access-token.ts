// Access tokens in two formats, chosen per client: by value (RFC 9068 JWT) or by reference (an opaque
// `<grant-id>.<secret>` handle whose state lives in the Grant object). A JWT's jti starts with the grant id,
// so our own endpoints can ask the Grant object whether it was revoked.
import { decodeProtectedHeader, jwtVerify } from "jose";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { GrantView, TokenInfo } from "../durable/grant-state";
import type { Env } from "../env";
import { randomToken } from "../lib/crypto";
import { ownKeyResolver } from "../keys/store";
import { hashSecret, parseHandle } from "./grant-token";
import { signJwt } from "./sign";
import { grantSubject } from "./subject";

export const ACCESS_TOKEN_TYP = "at+jwt";

export interface JwtAccessTokenInput {
  grantId: string;
  grant: GrantView;
  clientId: string;
  /** The sub the client sees (public or pairwise, src/tokens/subject.ts). */
  subject: string;
  scope: string[];
  iat: number;
  exp: number;
  /** RFC 8707 requested audience; otherwise derived from the scope. */
  audience?: string[] | undefined;
}

/** RFC 9068 §3: aud names the APIs the scopes are for, plus this issuer when userinfo may be called. */
export function audienceFor(issuer: string, scope: readonly string[]): string | string[] {
  const apis = config.resourceServers.filter((rs) => rs.scopes.some((s) => scope.includes(s))).map((rs) => rs.audience);
  return oneOrMany(scope.includes("openid") || apis.length === 0 ? [issuer, ...apis] : apis);
}

/** RFC 7519 §4.1.3: aud is a string when there is one audience. */
export function oneOrMany(audience: string[]): string | string[] {
  return audience.length === 1 && audience[0] !== undefined ? audience[0] : audience;
}

export async function signJwtAccessToken(env: Env, input: JwtAccessTokenInput): Promise<string> {
  return signJwt(env, config.accessTokenSigningAlg, ACCESS_TOKEN_TYP, {
    iss: env.ISSUER,
    sub: input.subject,
    aud: input.audience ? oneOrMany(input.audience) : audienceFor(env.ISSUER, input.scope),
    iat: input.iat,
    exp: input.exp,
    jti: `${input.grantId}.${randomToken(16)}`,
    client_id: input.clientId,
    scope: input.scope.join(" "),
    ...(input.grant.authTime === undefined ? {} : { auth_time: input.grant.authTime }),
  });
}

/** What an access token, of either format, stands for right now. */
export interface ActiveAccessToken {
  format: "jwt" | "opaque";
  grant: GrantView;
  /** The client the token was issued to, and the sub that client sees (grant.sub is the local sub). */
  client: Client;
  subject: string;
  scope: string[];
  iat: number | undefined;
  exp: number;
  aud: string | string[];
  /** For a JWT: its jti; for an opaque token: its handle hash. */
  reference: string;
  grantId: DurableObjectId;
}

/** Resolves an access token (signature, typ, iss, exp, then the Grant object's word), or null when inactive. */
export async function resolveAccessToken(env: Env, token: string): Promise<ActiveAccessToken | null> {
  return looksLikeJwt(token) ? resolveJwt(env, token) : resolveOpaque(env, token);
}

export function looksLikeJwt(token: string): boolean {
  if (token.split(".").length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

async function resolveJwt(env: Env, token: string): Promise<ActiveAccessToken | null> {
  let payload;
  try {
    // RFC 9068 §4: validate typ, iss, signature and exp.
    ({ payload } = await jwtVerify(token, await ownKeyResolver(env), {
      issuer: env.ISSUER,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...config.signingAlgorithms],
      currentDate: new Date(nowSeconds() * 1000),
      requiredClaims: ["jti", "exp", "sub", "aud"],
    }));
  } catch {
    return null;
  }
  const jti = String(payload.jti);
  const grantId = grantIdFrom(env, jti.split(".")[0] ?? "");
  if (!grantId || typeof payload.scope !== "string" || payload.exp === undefined || payload.aud === undefined) return null;
  const grant = await env.GRANT.get(grantId).jwtGrant(jti);
  if (!grant) return null;
  const issuedTo = await grantSubject(env, grant);
  if (!issuedTo || issuedTo.subject !== payload.sub) return null;
  return {
    format: "jwt",
    grant,
    ...issuedTo,
    scope: payload.scope.split(" "),
    iat: payload.iat,
    exp: payload.exp,
    aud: payload.aud,
    reference: jti,
    grantId,
  };
}

async function resolveOpaque(env: Env, token: string): Promise<ActiveAccessToken | null> {
  const handle = parseHandle(env, token);
  if (!handle) return null;
  const hash = await hashSecret(handle.secret);
  const info: TokenInfo | null = await env.GRANT.get(handle.id).lookupHandle(hash);
  if (!info || info.kind !== "access_token") return null;
  const issuedTo = await grantSubject(env, info.grant);
  if (!issuedTo) return null;
  return {
    format: "opaque",
    grant: info.grant,
    ...issuedTo,
    scope: info.scope,
    iat: info.iat,
    exp: info.exp,
    aud: info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope),
    reference: hash,
    grantId: handle.id,
  };
}

/** The Grant object id of a jti's first part, or null when it is not one. */
export function grantIdFrom(env: Env, hex: string): DurableObjectId | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  try {
    return env.GRANT.idFromString(hex);
  } catch {
    return null;
  }
}
