// The account page (/account) signs people in through the same journey as any application: it is a built-in
// first-party client that no registration can name, which skips consent and whose "code" is a redirect back to the
// page. So passkeys, second factors and re-authentication work there exactly as for applications.
import * as v from "valibot";
import { ClientRecord, type Client } from "../clients/schema";
import type { Env } from "../env";

/** Not a registrable client id: a URN of ours, never looked up in the registry. */
const ACCOUNT_CLIENT_ID = "urn:edge-oidc:account";

export function accountPageUrl(env: Env): string {
  return `${env.ISSUER}/account`;
}

export function accountClient(env: Env, clientName: string): Client {
  return v.parse(ClientRecord, {
    v: 1,
    client_id: ACCOUNT_CLIENT_ID,
    client_name: clientName,
    token_endpoint_auth_method: "none",
    redirect_uris: [accountPageUrl(env)],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    scope: "openid",
    skip_consent: true,
  });
}

export function isAccountClient(clientId: string): boolean {
  return clientId === ACCOUNT_CLIENT_ID;
}
