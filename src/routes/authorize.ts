// Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET and POST (OIDC Core §3.1.2.1).
import { Hono, type Context } from "hono";
import { beginInteraction } from "../authorization/interaction";
import { continueAuthorization } from "../authorization/continue";
import { validateAuthorizationRequest } from "../authorization/request";
import type { AppEnv } from "../env";
import { withErrorPage } from "../errors";
import { formParams, queryParams, type Params } from "../lib/params";

export const authorize = new Hono<AppEnv>();

authorize.get("/", (c) => handle(c, () => queryParams(c)));
authorize.post("/", (c) => handle(c, () => formParams(c)));

async function handle(c: Context<AppEnv>, read: () => Params | Promise<Params>): Promise<Response> {
  // Until the client and redirect URI are validated, any error is shown on our page (never redirected).
  const params = await withErrorPage(read);
  const { client, request } = await validateAuthorizationRequest(c.env, params);
  return continueAuthorization(c, client, await beginInteraction(c.env, request));
}
