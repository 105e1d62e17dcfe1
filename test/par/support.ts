// Helpers for PAR (RFC 9126) and request object (RFC 9101) tests: clients saved through the registry, pushes to the
// real /par endpoint, and request objects signed with jose the way a client library signs them.
import { env, exports } from "cloudflare:workers";
import type { JWTPayload } from "jose";
import { expect } from "vitest";
import { saveClient } from "../../src/clients/registry";
import type { Client, ClientInput } from "../../src/clients/schema";
import { secretFields } from "../../src/clients/secrets";
import { nowSeconds } from "../../src/clock";
import { DEMO_REDIRECT, ISSUER, basic, type AuthorizeOptions } from "../helpers";
import { signedWithout, type KeyPair, type SigningKey } from "../clients/assertions";

export const PAR_ENDPOINT = `${ISSUER}/par`;
export const URN_PREFIX = "urn:ietf:params:oauth:request_uri:";
export const RP_REDIRECT = "https://rp.example/cb";
export const RP_OTHER_REDIRECT = "https://rp.example/other";

/** The demo client's credentials. */
export const DEMO_BASIC = basic("demo", "demo-secret");

/** An authorization request of the demo client, as form or query parameters. */
export const demoRequest = (extra: Record<string, string> = {}): Record<string, string> => ({
  response_type: "code",
  redirect_uri: DEMO_REDIRECT,
  scope: "openid profile email",
  state: "pushed-state",
  nonce: "pushed-nonce",
  ...extra,
});

/** `authorization` null: no Authorization header (credentials in the form, or none). */
export function push(
  form: Record<string, string>,
  authorization: string | null = DEMO_BASIC,
  headers: Record<string, string> = {},
): Promise<Response> {
  return exports.default.fetch(PAR_ENDPOINT, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(authorization === null ? {} : { authorization }),
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** Pushes and returns the request_uri (the push must succeed). */
export async function pushed(
  form: Record<string, string> = demoRequest(),
  authorization: string | null = DEMO_BASIC,
): Promise<string> {
  const res = await push(form, authorization);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json<{ request_uri: string }>()).request_uri;
}

/** authorize()/authorizeUrl() options with none of their defaults: exactly these parameters are sent. */
export function only(params: Record<string, string>): AuthorizeOptions {
  return {
    client_id: undefined,
    redirect_uri: undefined,
    response_type: undefined,
    scope: undefined,
    state: undefined,
    nonce: undefined,
    ...params,
  };
}

/** A confidential client (client_secret_basic) of the code flow with two redirect URIs, and maybe keys. */
export async function rpClient(
  extra: Partial<ClientInput> = {},
  keys: KeyPair[] = [],
): Promise<{ client: Client; secret: string; basic: string }> {
  const secret = `secret-${crypto.randomUUID()}`;
  const base: ClientInput = {
    v: 1,
    client_id: `rp-${crypto.randomUUID()}`,
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: [RP_REDIRECT, RP_OTHER_REDIRECT],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    scope: "openid profile email",
    ...(keys.length > 0 ? { jwks: { keys: keys.map((k) => ({ ...k.publicJwk })) } } : {}),
    ...extra,
  };
  const client = await saveClient(env, { ...base, ...(await secretFields(env, base, secret)) });
  return { client, secret, basic: basic(client.client_id, secret) };
}

/**
 * A request object of `clientId`: by default a valid one for RP_REDIRECT (iss, aud, client_id, exp, iat, jti and the
 * request's parameters). `undefined` removes a claim; `typ` sets the header's (default oauth-authz-req+jwt; null: none).
 */
export async function requestObject(
  clientId: string,
  key: SigningKey,
  claims: JWTPayload = {},
  typ: string | null = "oauth-authz-req+jwt",
): Promise<string> {
  const now = nowSeconds();
  const all: JWTPayload = {
    iss: clientId,
    aud: ISSUER,
    client_id: clientId,
    response_type: "code",
    redirect_uri: RP_REDIRECT,
    scope: "openid profile",
    state: "object-state",
    nonce: "object-nonce",
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  };
  return signedWithout(all, key, typ === null ? {} : { typ });
}

/** Our error page with this OAuth error code, and no redirect (RFC 6749 §4.1.2.1, RFC 9101 §6.2). */
export async function expectErrorPage(res: Response, error: string): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await res.text()).toContain(`<code id="error">${error}</code>`);
}

/** The error parameters of a redirect back to the client at `redirectUri`. */
export function redirectedError(res: Response, redirectUri: string): URLSearchParams {
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return location.searchParams;
}
