// Token introspection (RFC 7662), with signed JWT responses on request (RFC 9701).
import { Hono } from "hono";
import { authenticateClient } from "../clients/authentication";
import { isPublicClient, type Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { AppEnv, Env } from "../env";
import { invalidClient, invalidRequest } from "../errors";
import { noStore } from "../http/no-store";
import { formParams } from "../http/params";
import { activeToken, type ActiveToken } from "../tokens/resolve";
import { signJwt } from "../tokens/sign";

export const introspect = new Hono<AppEnv>();

introspect.use(noStore);

const JWT_MEDIA_TYPE = "application/token-introspection+jwt";

introspect.post("/", async (c) => {
  const params = await formParams(c);
  const client = await authenticateClient(c.env, c.req.header("authorization"), params, "introspect");
  // RFC 7662 §2.1: the endpoint MUST require some form of authorization; a public client has none.
  if (isPublicClient(client)) throw invalidClient("introspection requires an authenticated client");
  if (!params.token) throw invalidRequest("token is required");
  const token = await activeToken(c.env, params.token);
  const body = token && mayInspect(client, token) ? describe(c.env, token) : { active: false };
  if ((c.req.header("accept") ?? "").includes(JWT_MEDIA_TYPE)) {
    c.header("Content-Type", JWT_MEDIA_TYPE);
    return c.body(await signedResponse(c.env, client, body));
  }
  return c.json(body);
});

/**
 * RFC 7662 §2.2, §4: a client may learn about its own tokens; a resource server about the access tokens meant
 * for it (its API identifier in `aud`). Anything else answers inactive, so nothing leaks.
 */
function mayInspect(client: Client, token: ActiveToken): boolean {
  if (token.grant.clientId === client.client_id) return true;
  // Refresh tokens are only ever the business of their client; access tokens of the API's audience.
  if (!client.resource_server || token.kind !== "access_token") return false;
  const audience = Array.isArray(token.aud) ? token.aud : [token.aud];
  return audience.includes(client.resource_server);
}

function describe(env: Env, token: ActiveToken): Record<string, unknown> {
  return {
    active: true,
    scope: token.scope.join(" "),
    client_id: token.grant.clientId,
    // The sub the token carries: pairwise for pairwise clients (OIDC Core §8), like its ID token and userinfo.
    sub: token.subject,
    exp: token.exp,
    ...(token.iat === undefined ? {} : { iat: token.iat }),
    ...(token.aud === undefined ? {} : { aud: token.aud }),
    iss: env.ISSUER,
    // RFC 9449 §6.2: a DPoP-bound token says so, with the thumbprint of its key.
    ...(token.kind === "access_token" ? { token_type: token.jkt === undefined ? "Bearer" : "DPoP" } : {}),
    ...(token.kind === "access_token" && token.jkt !== undefined ? { cnf: { jkt: token.jkt } } : {}),
    ...(token.grant.authTime === undefined ? {} : { auth_time: token.grant.authTime }),
  };
}

/** RFC 9701 §5: a JWT with typ token-introspection+jwt whose token_introspection claim is the response. */
async function signedResponse(env: Env, client: Client, body: Record<string, unknown>): Promise<string> {
  return signJwt(env, config.introspectionSigningAlg, "token-introspection+jwt", {
    iss: env.ISSUER,
    aud: client.client_id,
    iat: nowSeconds(),
    token_introspection: body,
  });
}
