// Client authentication at token-style endpoints (RFC 6749 §2.3): client_secret_basic, client_secret_post,
// client_secret_jwt, private_key_jwt (RFC 7523, OIDC Core §9) and none. Each client uses exactly the one method
// it registered; every failure is 401 invalid_client with a WWW-Authenticate challenge (RFC 6749 §5.2), and
// using more than one method in a request is invalid_request (§2.3).
//
// First, which credentials a request presents (RFC 6749 §2.3, RFC 7521 §4.2), before anything is verified: HTTP
// Basic, a secret in the form, a JWT client assertion, or a bare client_id (public clients). Then the client's
// registered method verifies them: secrets in src/clients/secrets.ts, assertions in src/clients/assertion.ts.
//
// When a known client presents another method than its registered one, the description names the registered
// method, so that a library sending client_secret_post by default can be told to use client_secret_basic. The
// method is registration metadata, not a secret, and the secret is never checked then, so the answer says nothing
// about it. An unknown client_id gets the bare "client authentication failed" whatever it presents.
import { decodeJwt } from "jose";
import type { Env } from "../env";
import { invalidClient, invalidRequest } from "../errors";
import type { Params } from "../http/params";
import { verifyClientAssertion, type ClientAuthEndpoint } from "./assertion";
import { isAssertionMethod } from "./auth-methods";
import { findClient } from "./registry";
import type { Client } from "./schema";
import { secretMatches } from "./secrets";

export type { ClientAuthEndpoint } from "./assertion";

/**
 * `found` sees the client record as soon as it is read, before its credentials are checked: the CORS policy of the
 * endpoint (src/http/cors.ts) depends on the client, and its authentication errors must reach the app too.
 */
export async function authenticateClient(
  env: Env,
  authorization: string | undefined,
  params: Params,
  endpoint: ClientAuthEndpoint,
  found?: (client: Client) => void,
): Promise<Client> {
  const presented = presentedCredentials(authorization, params);
  const client = await findClient(env, presented.clientId);
  if (!client) throw invalidClient(AUTHENTICATION_FAILED);
  found?.(client);
  await verifyPresented(env, client, presented, endpoint);
  return client;
}

async function verifyPresented(
  env: Env,
  client: Client,
  presented: Presented,
  endpoint: ClientAuthEndpoint,
): Promise<void> {
  // One method per client: the one it registered (RFC 7591 §2 token_endpoint_auth_method).
  const method = client.token_endpoint_auth_method;
  switch (presented.kind) {
    case "client_secret_basic":
    case "client_secret_post":
      if (method !== presented.kind) throw wrongMethod(method);
      if (!(await secretMatches(client, presented.secret))) throw invalidClient(AUTHENTICATION_FAILED);
      return;
    case "jwt":
      if (!isAssertionMethod(method)) throw wrongMethod(method);
      await verifyClientAssertion(env, client, method, presented.assertion, endpoint);
      return;
    case "none":
      if (method !== "none") throw wrongMethod(method);
      return;
  }
}

const AUTHENTICATION_FAILED = "client authentication failed";

/** The client presented other credentials than its registered method uses; nothing presented was checked. */
function wrongMethod(registered: Client["token_endpoint_auth_method"]) {
  return invalidClient(`${AUTHENTICATION_FAILED}: this client is registered for ${registered}`);
}

/** RFC 7523 §2.2: the one client assertion type we accept. */
const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type Presented =
  | { kind: "client_secret_basic" | "client_secret_post"; clientId: string; secret: string }
  /** client_secret_jwt or private_key_jwt: which one is decided by the client's registration. */
  | { kind: "jwt"; clientId: string; assertion: string }
  | { kind: "none"; clientId: string };

function presentedCredentials(authorization: string | undefined, params: Params): Presented {
  const basic =
    authorization && /^basic /i.test(authorization) ? decodeBasic(authorization.slice(6).trim()) : undefined;
  const usesAssertion = params.client_assertion !== undefined || params.client_assertion_type !== undefined;
  const used = [basic !== undefined, params.client_secret !== undefined, usesAssertion].filter(Boolean).length;
  // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
  if (used > 1) throw invalidRequest("more than one client authentication method used");
  if (basic) return presentedBasic(basic, params);
  if (usesAssertion) return presentedAssertion(params);
  const clientId = params.client_id;
  if (clientId === undefined) throw invalidClient("no client authentication included");
  if (params.client_secret !== undefined) return { kind: "client_secret_post", clientId, secret: params.client_secret };
  return { kind: "none", clientId };
}

function presentedBasic(basic: { clientId: string; secret: string }, params: Params): Presented {
  if (params.client_id !== undefined && params.client_id !== basic.clientId) {
    throw invalidRequest("client_id does not match the authenticated client");
  }
  return { kind: "client_secret_basic", ...basic };
}

/** RFC 7521 §4.2 / RFC 7523 §2.2: client_assertion_type and client_assertion; the client is the JWT's issuer. */
function presentedAssertion(params: Params): Presented {
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE) {
    throw invalidClient("client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  }
  const assertion = params.client_assertion;
  if (assertion === undefined) throw invalidClient("client_assertion is required");
  const clientId = assertionIssuer(assertion);
  // RFC 7521 §4.2: client_id is optional, but "If present, the value of the client_id parameter MUST identify
  // the same client as is identified by the client assertion."
  if (params.client_id !== undefined && params.client_id !== clientId) {
    throw invalidClient("client_id does not match the client assertion's issuer");
  }
  return { kind: "jwt", clientId, assertion };
}

/** The unverified `iss`, only to find the client whose keys will then verify the assertion. */
function assertionIssuer(assertion: string): string {
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw invalidClient("client_assertion is not a JWT");
  }
  if (typeof iss !== "string" || iss === "") throw invalidClient("client_assertion has no iss");
  return iss;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined with ':' and base64-encoded. */
function decodeBasic(token: string): { clientId: string; secret: string } {
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(atob(token), (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw invalidClient("malformed Basic credentials");
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw invalidClient("malformed Basic credentials");
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient("malformed Basic credentials");
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}
