// Client authentication at token-style endpoints (RFC 6749 §2.3): client_secret_basic, client_secret_post,
// client_secret_jwt, private_key_jwt (RFC 7523, OIDC Core §9) and none. Each client uses exactly the one method
// it registered; every failure is 401 invalid_client with a WWW-Authenticate challenge (RFC 6749 §5.2), and
// using more than one method in a request is invalid_request (§2.3).
import { invalidClient } from "../errors";
import type { Env } from "../env";
import type { Params } from "../lib/params";
import { isAssertionMethod } from "./auth-methods";
import { verifyClientAssertion, type ClientAuthEndpoint } from "./client-assertion";
import { secretMatches } from "./client-secret";
import { presentedCredentials, type Presented } from "./presented";
import { findClient } from "./registry";
import type { Client } from "./schema";

export type { ClientAuthEndpoint } from "./client-assertion";

export async function authenticateClient(
  env: Env,
  authorization: string | undefined,
  params: Params,
  endpoint: ClientAuthEndpoint,
): Promise<Client> {
  const presented = presentedCredentials(authorization, params);
  const client = await findClient(env, presented.clientId);
  if (!client) throw invalidClient("client authentication failed");
  await verifyPresented(env, client, presented, endpoint);
  return client;
}

async function verifyPresented(env: Env, client: Client, presented: Presented, endpoint: ClientAuthEndpoint): Promise<void> {
  // One method per client: the one it registered (RFC 7591 §2 token_endpoint_auth_method).
  const method = client.token_endpoint_auth_method;
  switch (presented.kind) {
    case "client_secret_basic":
    case "client_secret_post":
      if (method !== presented.kind || !(await secretMatches(client, presented.secret))) {
        throw invalidClient("client authentication failed");
      }
      return;
    case "jwt":
      if (!isAssertionMethod(method)) throw invalidClient("client authentication failed");
      await verifyClientAssertion(env, client, method, presented.assertion, endpoint);
      return;
    case "none":
      if (method !== "none") throw invalidClient("client authentication failed");
      return;
  }
}
