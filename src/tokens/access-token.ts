// Minting access tokens in two formats, chosen per client: by value (RFC 9068 JWT) or by reference (opaque). Where
// their state lives depends on whether a user is involved (src/tokens/resolve.ts reads them back):
// - a grant with a user (code, password): JWT jti `<grant-id>.<random>`, opaque `<grant-id>.<secret>`; the
//   Grant object says whether the token or its grant was revoked;
// - client_credentials: the JWT is stateless (jti without a grant id; its client's ClientState only records a
//   revocation), and an opaque token `cc_<shard-id>.<secret>` lives in one of the client's ClientState shards.
import { config, type SigningAlgorithm } from "../config";
import type { Env } from "../env";
import { randomToken } from "../lib/crypto";
import { objects } from "../storage";
import { signJwt } from "./sign";

export const ACCESS_TOKEN_TYP = "at+jwt";

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
  /** RFC 9449 §6.1: the JWK thumbprint of the DPoP key the token is bound to. */
  jkt?: string | undefined;
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
  const overrides = config.resourceServers.flatMap((rs) =>
    rs.accessTokenSigningAlg ? [rs.accessTokenSigningAlg] : [],
  );
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
    // RFC 9449 §6.1: "cnf" with the "jkt" member binds the token to the DPoP key.
    ...(input.jkt === undefined ? {} : { cnf: { jkt: input.jkt } }),
  });
}

/** A new opaque client_credentials token: its value, and the shard that keeps its hash. */
export function mintClientOpaque(env: Env, clientId: string): { value: string; secret: string; shard: number } {
  const shard = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  const index = shard % config.clientStateShards;
  const secret = randomToken();
  return { value: `cc_${objects.clientShardId(env, clientId, index).toString()}.${secret}`, secret, shard: index };
}
