// Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET and POST (OIDC Core §3.1.2.1).
import { Hono, type Context } from "hono";
import { continueAuthorization } from "../authorization/continue";
import { beginInteraction } from "../authorization/interaction";
import { trustedTarget, validateAuthorizationRequest } from "../authorization/request";
import { authorizationError } from "../authorization/response";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, type Params } from "../http/params";

export const authorize = new Hono<AppEnv>();

// RFC 6749 §4.1.2.1: until the client and redirect URI are trusted, an error is shown on our page and the user
// agent is not redirected.
authorize.onError(pageErrors);
authorize.get("/", (c) => handle(c, queryParams(c)));
authorize.post("/", async (c) => handle(c, await formParams(c)));

async function handle(c: Context<AppEnv>, params: Params): Promise<Response> {
  const { client, target } = await trustedTarget(c.env, params);
  let request;
  try {
    request = await validateAuthorizationRequest(c.env, client, target, params);
  } catch (err) {
    // From here on the client is told, at its redirect URI.
    if (err instanceof OAuthError) return authorizationError(c, target, err);
    throw err;
  }
  return continueAuthorization(c, client, await beginInteraction(c.env, request));
}
