// Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2): GET and POST (OIDC Core §3.1.2.1). The request comes
// as plain parameters, as a request object (`request`, RFC 9101), or as the request_uri of a pushed request
// (RFC 9126 §4); docs/par-and-jar.md.
import { Hono, type Context } from "hono";
import { continueAuthorization } from "../authorization/continue";
import { beginInteraction } from "../authorization/interaction";
import { isPushedRequestUri, takePushedRequest } from "../authorization/pushed";
import {
  pushedRequestRequired,
  requestingClient,
  trustedTarget,
  validateAuthorizationRequest,
  type AuthorizationRequest,
} from "../authorization/request";
import { requestObjectParams } from "../authorization/request-object";
import { fetchRequestObject } from "../authorization/request-uri";
import { authorizationError } from "../authorization/response";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";
import { OAuthError, invalidRequest } from "../errors";
import { pageErrors } from "../http/errors";
import { formParams, queryParams, type Params } from "../http/params";

export const authorize = new Hono<AppEnv>();

// RFC 6749 §4.1.2.1: until the client and redirect URI are trusted, an error is shown on our page and the user
// agent is not redirected. Errors of a request object or request_uri come before that (the redirect URI is inside).
authorize.onError(pageErrors);
authorize.get("/", (c) => handle(c, queryParams(c)));
authorize.post("/", async (c) => handle(c, await formParams(c)));

async function handle(c: Context<AppEnv>, query: Params): Promise<Response> {
  // RFC 9101 §5 and RFC 9126 §4: client_id is required with request and request_uri too.
  const client = await requestingClient(c.env, query);
  // RFC 9101 §5: "the client MUST NOT" send both.
  if (query.request !== undefined && query.request_uri !== undefined) {
    throw invalidRequest("request and request_uri must not both be sent");
  }
  // RFC 9126 §4: the pushed request is the whole request; any other parameter but client_id is ignored.
  if (query.request_uri !== undefined && isPushedRequestUri(query.request_uri)) {
    return begin(c, client, await takePushedRequest(c.env, client, query.request_uri));
  }
  // RFC 9126 §6: a client that must push gets no request object fetched or verified (its jti spent) here first.
  if ((query.request !== undefined || query.request_uri !== undefined) && pushedRequestRequired(c.env, client)) {
    throw invalidRequest("this client must use pushed authorization requests");
  }
  const object = query.request ?? (await referencedObject(c, client, query.request_uri));
  // RFC 9101 §5: with a request object, only its parameters are used.
  const params =
    object === undefined
      ? query
      : { ...(await requestObjectParams(c.env, client, object)), client_id: client.client_id };
  const target = trustedTarget(client, params);
  let request;
  try {
    // RFC 9126 §6: "the authorization server MUST reject authorization requests" of such clients without PAR.
    if (pushedRequestRequired(c.env, client)) {
      throw invalidRequest("this client must use pushed authorization requests");
    }
    request = await validateAuthorizationRequest(c.env, client, target, params);
  } catch (err) {
    // From here on the client is told, at its redirect URI.
    if (err instanceof OAuthError) return authorizationError(c, target, err);
    throw err;
  }
  return begin(c, client, request);
}

/** RFC 9101 §5.2: a request object by reference, from one of the client's registered request_uris. */
async function referencedObject(
  c: Context<AppEnv>,
  client: Client,
  requestUri: string | undefined,
): Promise<string | undefined> {
  return requestUri === undefined ? undefined : fetchRequestObject(c.env, client, requestUri);
}

async function begin(c: Context<AppEnv>, client: Client, request: AuthorizationRequest): Promise<Response> {
  return continueAuthorization(c, client, await beginInteraction(c.env, request));
}
