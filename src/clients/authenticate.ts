// Client authentication at token-style endpoints (RFC 6749 §2.3).
import { invalidClient, invalidRequest } from "../errors";
import type { Env } from "../env";
import { sha256Base64url, timingSafeEqualStrings } from "../lib/crypto";
import type { Params } from "../lib/params";
import { findClient } from "./registry";
import type { Client, TokenEndpointAuthMethod } from "./schema";

interface Presented {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret: string | undefined;
}

export async function authenticateClient(env: Env, authorization: string | undefined, params: Params): Promise<Client> {
  const presented = presentedCredentials(authorization, params);
  const client = await findClient(env, presented.clientId);
  if (!client) throw invalidClient("client authentication failed");
  // One method per client: the one it registered (RFC 7591 §2 token_endpoint_auth_method).
  if (client.token_endpoint_auth_method !== presented.method) {
    throw invalidClient("client authentication failed");
  }
  if (presented.method !== "none" && !(await secretMatches(client, presented.secret ?? ""))) {
    throw invalidClient("client authentication failed");
  }
  return client;
}

function presentedCredentials(authorization: string | undefined, params: Params): Presented {
  const basic = authorization && /^basic /i.test(authorization) ? decodeBasic(authorization.slice(6).trim()) : undefined;
  if (basic) {
    // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
    if (params.client_secret !== undefined) throw invalidRequest("more than one client authentication method used");
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw invalidRequest("client_id does not match the authenticated client");
    }
    return { method: "client_secret_basic", ...basic };
  }
  const clientId = params.client_id;
  if (clientId === undefined) throw invalidClient("no client authentication included");
  if (params.client_secret !== undefined) {
    return { method: "client_secret_post", clientId, secret: params.client_secret };
  }
  return { method: "none", clientId, secret: undefined };
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

async function secretMatches(client: Client, secret: string): Promise<boolean> {
  if (!client.client_secret_hash) return false;
  return timingSafeEqualStrings(await sha256Base64url(secret), client.client_secret_hash);
}
