// Which client credentials a request presents (RFC 6749 §2.3, RFC 7521 §4.2), before anything is verified:
// HTTP Basic, a secret in the form, a JWT client assertion, or a bare client_id (public clients).
import { decodeJwt } from "jose";
import { invalidClient, invalidRequest } from "../errors";
import type { Params } from "../lib/params";

/** RFC 7523 §2.2: the one client assertion type we accept. */
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export type Presented =
  | { kind: "client_secret_basic" | "client_secret_post"; clientId: string; secret: string }
  /** client_secret_jwt or private_key_jwt: which one is decided by the client's registration. */
  | { kind: "jwt"; clientId: string; assertion: string }
  | { kind: "none"; clientId: string };

export function presentedCredentials(authorization: string | undefined, params: Params): Presented {
  const basic = authorization && /^basic /i.test(authorization) ? decodeBasic(authorization.slice(6).trim()) : undefined;
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
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(token), (ch) => ch.charCodeAt(0)));
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
