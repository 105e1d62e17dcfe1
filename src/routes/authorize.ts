// Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET and POST (OIDC Core §3.1.2.1). The request comes
// as plain parameters, as a request object (`request`, RFC 9101), or as the request_uri of a pushed request
// (RFC 9126 §4); src/authorization/intake.ts reads all of them, the journey takes it from there.
import { Hono, type Context } from "hono";
import { intakeRequest } from "../authorization/intake";
import { startJourney } from "../authorization/journey";
import { requestingClient } from "../authorization/request";
import { authorizationError } from "../authorization/response";
import type { AppEnv } from "../env";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, type Params } from "../http/params";

export const authorize = new Hono<AppEnv>();

// RFC 6749 §4.1.2.1: until the client and redirect URI are trusted, an error is shown on our page and the user
// agent is not redirected. Errors of a request object or request_uri come before that (the redirect URI is inside).
authorize.onError(pageErrors);
authorize.get("/", (c) => handle(c, queryParams(c)));
authorize.post("/", async (c) => handle(c, await formParams(c)));

async function handle(c: Context<AppEnv>, params: Params): Promise<Response> {
  // RFC 9101 §5 and RFC 9126 §4: client_id is required with request and request_uri too.
  const client = await requestingClient(c.env, params);
  const intake = await intakeRequest(c.env, client, params, { channel: "authorize" });
  // From a trusted redirect URI on, the client is told there.
  if (!intake.ok) return authorizationError(c, intake.target, intake.error);
  return startJourney(c, client, intake.request);
}
