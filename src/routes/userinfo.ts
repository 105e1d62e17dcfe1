// UserInfo endpoint (OIDC Core §5.3): GET and POST, bearer token per RFC 6750, access tokens of either format.
// The sub is the one the token's client sees (public or pairwise); the body is JSON or, as the client
// registered, a signed and/or encrypted JWT (src/tokens/userinfo-response.ts).
import { Hono, type Context } from "hono";
import { findClient } from "../clients/registry";
import type { AppEnv } from "../env";
import { MissingBearerToken, insufficientScope, invalidBearerRequest, invalidToken } from "../errors";
import { bearerFromHeader } from "../http/bearer";
import { allowClientOrigin, clientCors } from "../http/cors";
import { noStore } from "../http/no-store";
import { bodyText, paramsFrom } from "../http/params";
import { activeAccessToken, signedTokenClientId } from "../tokens/resolve";
import { pickClaims, requestedClaimNames, scopeClaimNames } from "../tokens/claims";
import { userinfoResponse } from "../tokens/userinfo-response";
import { findUserBySub } from "../users/store";

export const userinfo = new Hono<AppEnv>();

// Browser apps of the token's client (src/http/cors.ts): the client of an active token, or the client_id that our
// signature vouches for in an expired or revoked JWT. A token that is neither names no client: no CORS headers.
userinfo.use(clientCors(["GET", "POST"]));
// OIDC Core §5.3 answers carry claims about the user: never cached.
userinfo.use(noStore);

userinfo.on(["GET", "POST"], "/", async (c) => {
  // Signature and expiry are not enough: the Grant object says whether the token or its grant was revoked.
  const presented = await bearerToken(c);
  const token = await activeAccessToken(c.env, presented);
  if (!token) {
    await allowOriginOfInactiveToken(c, presented);
    throw invalidToken("the access token is invalid, expired or revoked");
  }
  allowClientOrigin(c, token.client);
  const audience = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audience.includes(c.env.ISSUER)) throw invalidToken("the access token is not meant for this provider");
  // OIDC Core §5.3: userinfo needs an access token for the openid scope.
  if (!token.scope.includes("openid")) {
    throw insufficientScope("the access token lacks the openid scope", "openid");
  }
  const user = await findUserBySub(c.env, token.grant.sub);
  if (!user) throw invalidToken("the user no longer exists");
  const names = [...scopeClaimNames(token.scope), ...requestedClaimNames(token.grant.claims, "userinfo")];
  // OIDC Core §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim
  // in the ID Token": both come from the same mapping (src/tokens/subject.ts).
  const { contentType, body } = await userinfoResponse(c.env, token.client, {
    ...pickClaims(user, names),
    sub: token.subject,
  });
  c.header("Content-Type", contentType);
  return c.body(body);
});

/**
 * An expired or revoked JWT of ours still names its client (our signature vouches for the claim): its browser app
 * may read the invalid_token answer and sign in again instead of seeing a network error. Only for a browser's
 * cross-origin call (an Origin header), so that server-side callers pay nothing.
 */
async function allowOriginOfInactiveToken(c: Context<AppEnv>, presented: string): Promise<void> {
  if (c.req.header("origin") === undefined) return;
  const clientId = await signedTokenClientId(c.env, presented);
  const client = clientId === undefined ? null : await findClient(c.env, clientId);
  if (client) allowClientOrigin(c, client);
}

/** RFC 6750 §2.1 (header) and §2.2 (form body); "Clients MUST NOT use more than one method" (§2). */
async function bearerToken(c: Context<AppEnv>): Promise<string> {
  const fromHeader = bearerFromHeader(c.req.header("authorization"));
  const isForm =
    c.req.method === "POST" && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const fromBody = isForm ? paramsFrom(new URLSearchParams(await bodyText(c))).access_token : undefined;
  if (fromHeader && fromBody) {
    // RFC 6750 §3.1: invalid_request, 400, with the Bearer challenge.
    throw invalidBearerRequest("the access token was sent in more than one way");
  }
  const token = fromHeader ?? fromBody;
  if (!token) throw new MissingBearerToken();
  return token;
}
