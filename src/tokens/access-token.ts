// Access tokens in two formats, chosen per client: by value (RFC 9068 JWT) or by reference (opaque). Where their
// state lives depends on whether a user is involved:
// - a grant with a user (code, password): JWT jti `<grant-id>.<random>`, opaque `<grant-id>.<secret>`; the
//   Grant object says whether the token or its grant was revoked;
// - client_credentials: the JWT is stateless (jti without a grant id; its client's ClientState only records a
//   revocation), and an opaque token `cc_<shard-id>.<secret>` lives in one of the client's ClientState shards.
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config, type SigningAlgorithm } from "../config";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { randomToken } from "../lib/crypto";
import { ownKeyResolver } from "../keys/store";
import { objects } from "../storage";
import { hashSecret, parseHandle, type GrantHandle } from "./grant-token";
import { signJwt } from "./sign";
import { grantSubject } from "./subject";

export const ACCESS_TOKEN_TYP = "at+jwt";
/** Opaque client_credentials tokens: `cc_<ClientState shard id>.<secret>`. */
const CLIENT_OPAQUE = /^cc_([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/;

export interface JwtAccessTokenInput {
  /** The Grant object of a grant with a user; undefined for client_credentials (nothing stored). */
  grantId: string | undefined;
  clientId: string;
  /** The sub the client sees (public or pairwise, src/tokens/subject.ts); the client_id for its own tokens. */
  subject: string;
  scope: string[];
  iat: number;
  exp: number;
  authTime: number | undefined;
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

/** The deployment's access-token algorithm, unless an API in the audience asks for another (config.resourceServers). */
function accessTokenAlg(audience: string | string[]): SigningAlgorithm {
  const auds = Array.isArray(audience) ? audience : [audience];
  const override = config.resourceServers.find((rs) => rs.accessTokenSigningAlg && auds.includes(rs.audience));
  return override?.accessTokenSigningAlg ?? config.accessTokenSigningAlg;
}

/** Every algorithm an access token may be signed with, so their keys can be loaded before a code is spent. */
export function accessTokenAlgs(): SigningAlgorithm[] {
  const overrides = config.resourceServers.flatMap((rs) => (rs.accessTokenSigningAlg ? [rs.accessTokenSigningAlg] : []));
  return [...new Set([config.accessTokenSigningAlg, ...overrides])];
}

export async function signJwtAccessToken(env: Env, input: JwtAccessTokenInput): Promise<string> {
  const aud = input.audience ? oneOrMany(input.audience) : audienceFor(env.ISSUER, input.scope);
  const random = randomToken(16);
  return signJwt(env, accessTokenAlg(aud), ACCESS_TOKEN_TYP, {
    iss: env.ISSUER,
    sub: input.subject,
    aud,
    iat: input.iat,
    exp: input.exp,
    jti: input.grantId === undefined ? random : `${input.grantId}.${random}`,
    client_id: input.clientId,
    scope: input.scope.join(" "),
    ...(input.authTime === undefined ? {} : { auth_time: input.authTime }),
  });
}

/** A new opaque client_credentials token: its value, and the shard that keeps its hash. */
export function mintClientOpaque(env: Env, clientId: string): { value: string; secret: string; shard: number } {
  const shard = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  const index = shard % config.clientStateShards;
  const secret = randomToken();
  return { value: `cc_${objects.clientShardId(env, clientId, index).toString()}.${secret}`, secret, shard: index };
}

/** What an access token, of either format, stands for right now. */
export interface ActiveAccessToken {
  /** The grant (for client_credentials: the client acting for itself, sub = client_id). */
  grant: GrantView;
  /** The client the token was issued to, and the sub that client sees (grant.sub is the local sub). */
  client: Client;
  subject: string;
  scope: string[];
  iat: number | undefined;
  exp: number;
  aud: string | string[];
}

/** Resolves an access token (signature, typ, iss, exp, then the word of the object that keeps its state). */
export async function resolveAccessToken(env: Env, token: string): Promise<ActiveAccessToken | null> {
  if (looksLikeJwt(token)) return resolveJwt(env, token);
  return CLIENT_OPAQUE.test(token) ? resolveClientOpaque(env, token) : resolveGrantOpaque(env, token);
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

/**
 * RFC 9068 §4: validate typ, iss, signature and exp (unless `anyExpiry`: revoking an expired token is harmless).
 * The one option set for our own access tokens.
 */
export async function verifyOwnAccessToken(env: Env, token: string, anyExpiry = false): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(token, await ownKeyResolver(env), {
      issuer: env.ISSUER,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...config.signingAlgorithms],
      currentDate: new Date(nowSeconds() * 1000),
      requiredClaims: ["jti", "exp", "sub", "aud", "client_id"],
      ...(anyExpiry ? { clockTolerance: Number.MAX_SAFE_INTEGER } : {}),
    });
    return payload;
  } catch {
    return null;
  }
}

/** The Grant object a jti names (`<grant-id>.<random>`), or null for a client's own (stateless) token. */
export function grantOfJti(env: Env, jti: string): DurableObjectId | null {
  const [head, rest] = jti.split(".");
  return head !== undefined && rest !== undefined ? objects.grantIdFromHex(env, head) : null;
}

async function resolveJwt(env: Env, token: string): Promise<ActiveAccessToken | null> {
  const payload = await verifyOwnAccessToken(env, token);
  const { jti, sub, exp, aud, iat, client_id: clientId } = payload ?? {};
  const scope = payload?.scope;
  if (typeof jti !== "string" || typeof clientId !== "string" || typeof scope !== "string" || !sub || !exp || !aud) return null;
  const grantId = grantOfJti(env, jti);
  const claims = { scope: scope.split(" "), iat, exp, aud };
  if (!grantId) {
    // A client_credentials token: its ClientState records revocations (and the client's deletion).
    if (iat === undefined || !(await objects.clientState(env, clientId).jwtActive(jti, iat))) return null;
    return clientOwnToken(env, clientId, claims);
  }
  const grant = await objects.grant(env, grantId).jwtGrant(jti);
  if (!grant) return null;
  const issuedTo = await grantSubject(env, grant);
  if (!issuedTo || issuedTo.subject !== sub) return null;
  return { grant, ...issuedTo, ...claims };
}

/** A Grant handle's token (opaque access token or refresh token), and what it stands for: one lookup. */
export interface GrantHandleToken extends Omit<ActiveAccessToken, "aud"> {
  kind: "access_token" | "refresh_token";
  /** Refresh tokens have no audience. */
  aud: string | string[] | undefined;
}

export async function resolveGrantHandle(env: Env, handle: GrantHandle): Promise<GrantHandleToken | null> {
  const info = await objects.grant(env, handle.id).lookupHandle(await hashSecret(handle.secret));
  const issuedTo = info && (await grantSubject(env, info.grant));
  if (!info || !issuedTo) return null;
  const aud = info.kind === "access_token" ? (info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope)) : undefined;
  return { kind: info.kind, grant: info.grant, ...issuedTo, scope: info.scope, iat: info.iat, exp: info.exp, aud };
}

async function resolveGrantOpaque(env: Env, token: string): Promise<ActiveAccessToken | null> {
  const handle = parseHandle(env, token);
  const resolved = handle && (await resolveGrantHandle(env, handle));
  if (resolved?.kind !== "access_token" || resolved.aud === undefined) return null;
  const { kind: _kind, ...access } = resolved;
  return { ...access, aud: resolved.aud };
}

async function resolveClientOpaque(env: Env, token: string): Promise<ActiveAccessToken | null> {
  const match = CLIENT_OPAQUE.exec(token);
  const shard = match?.[1] ? objects.clientShardFromHex(env, match[1]) : null;
  if (!match?.[2] || !shard) return null;
  const info = await shard.lookupOpaque(await hashSecret(match[2]));
  if (!info) return null;
  const aud = info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope);
  return clientOwnToken(env, info.clientId, { scope: info.scope, iat: info.iat, exp: info.exp, aud });
}

/** A token the client holds for itself (RFC 9068 §2.2: sub is the client_id), if the client still exists. */
async function clientOwnToken(
  env: Env,
  clientId: string,
  claims: Pick<ActiveAccessToken, "scope" | "iat" | "exp" | "aud">,
): Promise<ActiveAccessToken | null> {
  const client = await findClient(env, clientId);
  if (!client) return null;
  return { grant: { clientId, sub: clientId, scope: claims.scope }, client, subject: clientId, ...claims };
}

/** RFC 7009: revoke an access token of the client_credentials grant; null when the token is not one. */
export async function revokeClientToken(env: Env, token: string, clientId: string): Promise<"revoked" | "not_found" | "wrong_client" | null> {
  const match = CLIENT_OPAQUE.exec(token);
  if (match?.[1] && match[2]) {
    const shard = objects.clientShardFromHex(env, match[1]);
    return shard ? shard.revokeOpaque(await hashSecret(match[2]), clientId) : "not_found";
  }
  if (!looksLikeJwt(token)) return null;
  const payload = await verifyOwnAccessToken(env, token, true);
  const { jti, exp, client_id: owner } = payload ?? {};
  if (typeof jti !== "string" || grantOfJti(env, jti)) return null;
  if (typeof owner !== "string" || exp === undefined) return "not_found";
  // RFC 7009 §2.1: the server "verifies whether the token was issued to the client making the revocation request".
  if (owner !== clientId) return "wrong_client";
  await objects.clientState(env, owner).revokeJwt(jti, exp);
  return "revoked";
}
