// The admin API's authentication: a bearer token (ADMIN_TOKEN, a `wrangler secret`) per RFC 6750.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { MissingBearerToken, invalidToken } from "../../errors";
import { bearerFromHeader } from "../../http/bearer";
import { timingSafeEqualStrings } from "../../lib/crypto";

export function requireAdminToken(): MiddlewareHandler<AppEnv> {
  return async function requireAdminToken(c, next) {
    const token = bearerFromHeader(c.req.header("authorization"));
    if (!token) throw new MissingBearerToken();
    const expected = c.env.ADMIN_TOKEN;
    // Without a configured token the admin API is closed.
    if (!expected || !(await timingSafeEqualStrings(token, expected))) throw invalidToken("invalid admin token");
    await next();
  };
}
