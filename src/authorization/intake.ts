// The one intake of an authorization request, shared by /authorize and /par (RFC 9126 §2.1: the PAR endpoint
// validates "in the same way" as the authorization endpoint). Plain parameters, a request object (`request`,
// RFC 9101), a request object by reference (`request_uri`, RFC 9101 §5.2) or, at /authorize, the request_uri of a
// pushed request (RFC 9126 §4) all become one validated AuthorizationRequest.
//
// Errors before the client and redirect URI are trusted are thrown (/authorize shows them on our page, /par
// answers JSON); errors after that are returned with the target, so /authorize can tell the client at its
// redirect URI (RFC 6749 §4.1.2.1).
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import { OAuthError, invalidRequest } from "../errors";
import type { Params } from "../http/params";
import { isPushedRequestUri, takePushedRequest } from "./pushed";
import {
  pushedRequestRequired,
  trustedTarget,
  validateAuthorizationRequest,
  type AuthorizationRequest,
} from "./request";
import { requestObjectParams } from "./request-object";
import { fetchRequestObject } from "./request-uri";
import type { RedirectTarget } from "./response";

export type Intake =
  { ok: true; request: AuthorizationRequest } | { ok: false; target: RedirectTarget; error: OAuthError };

export interface IntakeOptions {
  /** Where the request arrived: the authorization endpoint, or the PAR endpoint after client authentication. */
  channel: "authorize" | "par";
  /** RFC 9449 §10.1: the JWK thumbprint of a DPoP proof sent with the push, which binds the code to its key. */
  dpopJkt?: string;
}

export async function intakeRequest(env: Env, client: Client, params: Params, options: IntakeOptions): Promise<Intake> {
  const { channel } = options;
  // RFC 9101 §5: "the client MUST NOT" send both.
  if (params.request !== undefined && params.request_uri !== undefined) {
    throw invalidRequest("request and request_uri must not both be sent");
  }
  if (params.request_uri !== undefined) {
    // RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided."
    if (channel === "par") throw invalidRequest("request_uri must not be sent to the PAR endpoint");
    // RFC 9126 §4: the pushed request is the whole request; any other parameter but client_id is ignored.
    if (isPushedRequestUri(params.request_uri)) {
      return { ok: true, request: await takePushedRequest(env, client, params.request_uri) };
    }
  }
  const mustPush = channel === "authorize" && pushedRequestRequired(env, client);
  // RFC 9126 §6: a client that must push gets no request object fetched or verified (its jti spent) here first.
  if (mustPush && (params.request !== undefined || params.request_uri !== undefined)) {
    throw invalidRequest("this client must use pushed authorization requests");
  }
  const merged = await requestParameters(env, client, params);
  const target = trustedTarget(client, merged);
  try {
    // RFC 9126 §6: "the authorization server MUST reject authorization requests" of such clients without PAR.
    if (mustPush) throw invalidRequest("this client must use pushed authorization requests");
    const request = await validateAuthorizationRequest(env, client, target, merged);
    return { ok: true, request: boundToProof(request, options.dpopJkt) };
  } catch (err) {
    if (err instanceof OAuthError) return { ok: false, target, error: err };
    throw err;
  }
}

/**
 * The request's parameters: the plain ones, or (RFC 9101 §5) only those of the request object, by value or by
 * reference from one of the client's registered request_uris (RFC 9101 §5.2). client_id is the authenticated or
 * named client's, whatever the object says (the object's own client_id is checked against it).
 */
async function requestParameters(env: Env, client: Client, params: Params): Promise<Params> {
  const object =
    params.request ??
    (params.request_uri === undefined ? undefined : await fetchRequestObject(env, client, params.request_uri));
  if (object === undefined) return { ...params, client_id: client.client_id };
  return { ...(await requestObjectParams(env, client, object)), client_id: client.client_id };
}

/**
 * RFC 9449 §10.1: with both a proof at PAR and dpop_jkt, "the authorization server MUST check that the dpop_jkt
 * parameter value matches the JWK Thumbprint" of the proof's key.
 */
function boundToProof(request: AuthorizationRequest, jkt: string | undefined): AuthorizationRequest {
  if (jkt === undefined) return request;
  if (request.dpop_jkt !== undefined && request.dpop_jkt !== jkt) {
    throw invalidRequest("dpop_jkt does not match the key of the DPoP proof");
  }
  return { ...request, dpop_jkt: jkt };
}
