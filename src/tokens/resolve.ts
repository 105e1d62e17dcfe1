// Our own tokens, presented back to us: userinfo (access tokens), introspection (RFC 7662: access and refresh
// tokens) and revocation (RFC 7009). A token is first told apart by its shape, then the object that keeps its
// state has the last word:
// - a JWT access token: signature, typ, iss and exp (RFC 9068 §4); its jti `<grant-id>.<random>` names its Grant
//   object, a jti without a grant id is a client_credentials token whose ClientState records revocations;
// - `cc_<shard-id>.<secret>`: an opaque client_credentials token in one of its client's ClientState shards;
// - `<grant-id>.<secret>`: a Grant handle, an opaque access token or a refresh token (one lookup says which).
import { decodeProtectedHeader, type JWTPayload } from "jose";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import type { ClientState } from "../durable/client-state";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { objects } from "../storage";
import { ACCESS_TOKEN_TYP, audienceFor, oneOrMany } from "./access-token";
import { hashSecret, parseHandle, type GrantHandle } from "./grant-token";
import { grantSubject } from "./subject";
import { verifyOwnJwt } from "./verify";

/** Opaque client_credentials tokens: `cc_<ClientState shard id>.<secret>` (src/tokens/access-token.ts mints them). */
const CLIENT_OPAQUE = /^cc_([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/;

/** What a token stands for right now. */
export interface ActiveToken {
  kind: "access_token" | "refresh_token";
  /** The grant (for client_credentials: the client acting for itself, sub = client_id). */
  grant: GrantView;
  /** The client the token was issued to, and the sub that client sees (grant.sub is the local sub). */
  client: Client;
  subject: string;
  scope: string[];
  iat: number | undefined;
  exp: number;
  /** Refresh tokens have no audience. */
  aud: string | string[] | undefined;
  /** RFC 9449 §6: the JWK thumbprint of the DPoP key an access token is bound to (cnf.jkt); undefined: a bearer token. */
  jkt?: string | undefined;
}

export type ActiveAccessToken = ActiveToken & { kind: "access_token"; aud: string | string[] };

/** A token by its shape; a JWT only once its signature and claims are verified. */
type Shape =
  | { kind: "jwt"; payload: JWTPayload; jti: string; grantId: DurableObjectId | null }
  | { kind: "client-opaque"; shard: DurableObjectStub<ClientState>; secret: string }
  | { kind: "grant-handle"; handle: GrantHandle }
  | { kind: "unknown" };

/** The token if it is active (RFC 7662 §2.2), otherwise null. */
export async function activeToken(env: Env, token: string): Promise<ActiveToken | null> {
  const shape = await shapeOf(env, token, false);
  switch (shape.kind) {
    case "jwt":
      return activeJwt(env, shape.payload, shape.jti, shape.grantId);
    case "client-opaque":
      return activeClientOpaque(env, shape.shard, shape.secret);
    case "grant-handle":
      return activeGrantHandle(env, shape.handle);
    case "unknown":
      return null;
  }
}

/** An active access token of either format (OIDC Core §5.3 userinfo), or null. */
export async function activeAccessToken(env: Env, token: string): Promise<ActiveAccessToken | null> {
  const active = await activeToken(env, token);
  return active?.kind === "access_token" && active.aud !== undefined
    ? { ...active, kind: "access_token", aud: active.aud }
    : null;
}

/**
 * The client_id of a JWT access token we signed, even when it is expired or revoked; undefined for anything else
 * (an opaque token's client is only known while it is active). Used only to let an error reach that client's
 * browser app (src/http/cors.ts), never to accept the token.
 */
export async function signedTokenClientId(env: Env, token: string): Promise<string | undefined> {
  const payload = looksLikeJwt(token) ? await verifiedAccessToken(env, token, true) : null;
  return typeof payload?.client_id === "string" ? payload.client_id : undefined;
}

export type Revocation = "revoked" | "not_found" | "wrong_client";

/** RFC 7009 §2.1: revoke a token of any kind on behalf of the client it was issued to. */
export async function revokeToken(env: Env, token: string, clientId: string): Promise<Revocation> {
  // Revoking an expired token is harmless, so expiry is not checked here.
  const shape = await shapeOf(env, token, true);
  switch (shape.kind) {
    case "jwt":
      if (shape.grantId) return objects.grant(env, shape.grantId).revokeJwt(shape.jti, clientId);
      return revokeClientJwt(env, shape.payload, shape.jti, clientId);
    case "client-opaque":
      return shape.shard.revokeOpaque(await hashSecret(shape.secret), clientId);
    case "grant-handle":
      return objects.grant(env, shape.handle.id).revokeHandle(await hashSecret(shape.handle.secret), clientId);
    case "unknown":
      return "not_found";
  }
}

async function shapeOf(env: Env, token: string, anyExpiry: boolean): Promise<Shape> {
  const opaque = CLIENT_OPAQUE.exec(token);
  if (opaque?.[1] && opaque[2]) {
    const shard = objects.clientShardFromHex(env, opaque[1]);
    return shard ? { kind: "client-opaque", shard, secret: opaque[2] } : { kind: "unknown" };
  }
  const handle = parseHandle(env, token);
  if (handle) return { kind: "grant-handle", handle };
  const payload = looksLikeJwt(token) ? await verifiedAccessToken(env, token, anyExpiry) : null;
  if (typeof payload?.jti !== "string") return { kind: "unknown" };
  return { kind: "jwt", payload, jti: payload.jti, grantId: grantOfJti(env, payload.jti) };
}

function looksLikeJwt(token: string): boolean {
  if (token.split(".").length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

/** RFC 9068 §4: typ, iss, signature and exp (unless `anyExpiry`), and the claims our access tokens carry. */
async function verifiedAccessToken(env: Env, token: string, anyExpiry: boolean): Promise<JWTPayload | null> {
  try {
    return await verifyOwnJwt(env, token, {
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ["jti", "exp", "sub", "aud", "client_id"],
      anyExpiry,
    });
  } catch {
    return null;
  }
}

/** The Grant object a jti names (`<grant-id>.<random>`), or null for a client's own (stateless) token. */
function grantOfJti(env: Env, jti: string): DurableObjectId | null {
  const [head, rest] = jti.split(".");
  return head !== undefined && rest !== undefined ? objects.grantIdFromHex(env, head) : null;
}

async function activeJwt(
  env: Env,
  payload: JWTPayload,
  jti: string,
  grantId: DurableObjectId | null,
): Promise<ActiveToken | null> {
  const { sub, exp, aud, iat, client_id: clientId, scope } = payload;
  if (typeof clientId !== "string" || typeof scope !== "string" || !sub || !exp || !aud) return null;
  const claims = { scope: scope.split(" "), iat, exp, aud, jkt: boundKey(payload) };
  if (!grantId) {
    // A client_credentials token: its ClientState records revocations (and the client's deletion).
    if (iat === undefined || !(await objects.clientState(env, clientId).jwtActive(jti, iat))) return null;
    return clientOwnToken(env, clientId, claims);
  }
  const grant = await objects.grant(env, grantId).jwtGrant(jti);
  const issuedTo = grant && (await grantSubject(env, grant));
  if (!grant || !issuedTo || issuedTo.subject !== sub) return null;
  return { kind: "access_token", grant, ...issuedTo, ...claims };
}

/** A Grant handle's token (opaque access token or refresh token), and what it stands for: one lookup. */
async function activeGrantHandle(env: Env, handle: GrantHandle): Promise<ActiveToken | null> {
  const info = await objects.grant(env, handle.id).lookupHandle(await hashSecret(handle.secret));
  const issuedTo = info && (await grantSubject(env, info.grant));
  if (!info || !issuedTo) return null;
  const aud =
    info.kind === "access_token" ? (info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope)) : undefined;
  return {
    kind: info.kind,
    grant: info.grant,
    ...issuedTo,
    scope: info.scope,
    iat: info.iat,
    exp: info.exp,
    aud,
    jkt: info.jkt,
  };
}

/** RFC 9449 §6.1: the thumbprint in a JWT's cnf claim, if it has one. */
function boundKey(payload: JWTPayload): string | undefined {
  const cnf = payload.cnf;
  if (typeof cnf !== "object" || cnf === null || !("jkt" in cnf)) return undefined;
  return typeof cnf.jkt === "string" ? cnf.jkt : undefined;
}

async function activeClientOpaque(
  env: Env,
  shard: DurableObjectStub<ClientState>,
  secret: string,
): Promise<ActiveToken | null> {
  const info = await shard.lookupOpaque(await hashSecret(secret));
  if (!info) return null;
  const aud = info.aud ? oneOrMany(info.aud) : audienceFor(env.ISSUER, info.scope);
  return clientOwnToken(env, info.clientId, { scope: info.scope, iat: info.iat, exp: info.exp, aud, jkt: info.jkt });
}

/** A token the client holds for itself (RFC 9068 §2.2: sub is the client_id), if the client still exists. */
async function clientOwnToken(
  env: Env,
  clientId: string,
  claims: Pick<ActiveToken, "scope" | "iat" | "exp" | "jkt"> & { aud: string | string[] },
): Promise<ActiveToken | null> {
  const client = await findClient(env, clientId);
  if (!client) return null;
  return {
    kind: "access_token",
    grant: { clientId, sub: clientId, scope: claims.scope },
    client,
    subject: clientId,
    ...claims,
  };
}

/** RFC 7009 §2.1: "verifies whether the token was issued to the client making the revocation request". */
async function revokeClientJwt(env: Env, payload: JWTPayload, jti: string, clientId: string): Promise<Revocation> {
  const { exp, client_id: owner } = payload;
  if (typeof owner !== "string" || exp === undefined) return "not_found";
  if (owner !== clientId) return "wrong_client";
  await objects.clientState(env, owner).revokeJwt(jti, exp);
  return "revoked";
}
