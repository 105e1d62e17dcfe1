// The account page (/account) signs people in through the same journey as any application: it is a built-in
// first-party client that no registration can name, which skips consent and whose "code" is a redirect back to the
// page. So passkeys, second factors and re-authentication work there exactly as for applications.
import * as v from "valibot";
import { ClientRecord, type Client } from "../clients/schema";
import type { Context } from "hono";
import type { AppEnv, Env } from "../env";
import { messages, pageLocale } from "../views/i18n";

/** Not a registrable client id: a URN of ours, never looked up in the registry. */
const ACCOUNT_CLIENT_ID = "urn:edge-oidc:account";

export function accountPageUrl(env: Env): string {
  return `${env.ISSUER}/account`;
}

/** The built-in client, named on the login page in the request's language ("to continue to Your account"). */
export function accountClient(c: Context<AppEnv>, uiLocales: string | undefined): Client {
  return v.parse(ClientRecord, {
    v: 1,
    client_id: ACCOUNT_CLIENT_ID,
    client_name: messages(pageLocale(c, uiLocales)).account.title,
    token_endpoint_auth_method: "none",
    redirect_uris: [accountPageUrl(c.env)],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    scope: "openid",
    skip_consent: true,
  });
}

export function isAccountClient(clientId: string): boolean {
  return clientId === ACCOUNT_CLIENT_ID;
}
