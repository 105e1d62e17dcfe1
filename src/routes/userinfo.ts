// UserInfo endpoint (OIDC Core §5.3): GET and POST, bearer token per RFC 6750.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { MissingBearerToken, OAuthError, invalidRequest, invalidToken } from "../errors";
import { paramsFrom } from "../lib/params";
import { verifyAccessToken } from "../tokens/access-token";
import { claimsForScopes } from "../tokens/claims";
import { findUserBySub } from "../users/store";

export const userinfo = new Hono<AppEnv>();

userinfo.on(["GET", "POST"], "/", async (c) => {
  const token = await bearerToken(c);
  const verified = await verifyAccessToken(c.env, token);
  // The token's signature is not enough: the grant may have been revoked (a reused code, a revocation).
  const grant = await c.env.GRANT.get(c.env.GRANT.idFromString(verified.grantId)).activeGrant();
  if (!grant || grant.sub !== verified.sub) throw invalidToken("the access token has been revoked");
  // OIDC Core §5.3: the openid scope is required for userinfo.
  if (!verified.scope.includes("openid")) {
    throw new OAuthError("insufficient_scope", "the access token lacks the openid scope", {
      status: 403,
      wwwAuthenticate: 'Bearer error="insufficient_scope", scope="openid"',
    });
  }
  const user = await findUserBySub(c.env, verified.sub);
  if (!user) throw invalidToken("the user no longer exists");
  c.header("Cache-Control", "no-store");
  return c.json(claimsForScopes(user, verified.scope));
});

/** RFC 6750 §2.1 (header) and §2.2 (form body); "Clients MUST NOT use more than one method" (§2). */
async function bearerToken(c: Context<AppEnv>): Promise<string> {
  const header = c.req.header("authorization");
  const fromHeader = header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const isForm = c.req.method === "POST" && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const fromBody = isForm ? paramsFrom(new URLSearchParams(await c.req.text())).access_token : undefined;
  if (fromHeader && fromBody) throw invalidRequest("the access token was sent in more than one way");
  const token = fromHeader ?? fromBody;
  if (!token) throw new MissingBearerToken();
  return token;
}
