// Shared by the interop tests: clients registered for the run through the admin API (one per client
// authentication method, with a fresh key pair for private_key_jwt), the demo user, and the wire contract of
// RP-initiated logout that every library's logout test asserts.
import { exportJWK, exportPKCS8, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { expect } from "vitest";
import { CookieJar } from "../e2e/browserless";

/** Where the registered clients "live": nothing listens there, the form driver stops at the redirect. */
export const CLIENT_ORIGIN = "http://localhost:3000";
export const REDIRECT_URI = `${CLIENT_ORIGIN}/callback`;
export const POST_LOGOUT_REDIRECT_URI = `${CLIENT_ORIGIN}/signed-out`;
/** A demo user of the README. */
export const USER = { username: "spoon", password: "spoon" } as const;
export const SCOPE = "openid profile email offline_access";
/** A scope that makes sense without a user (client_credentials): the demo weather API's. */
export const SERVICE_SCOPE = "weather";
/** The dev environment's admin token (wrangler.toml [env.dev]). */
const ADMIN_TOKEN = "dev-admin-token";

export type AuthMethod = "client_secret_basic" | "client_secret_post" | "client_secret_jwt" | "private_key_jwt";
export const AUTH_METHODS: readonly AuthMethod[] = [
  "client_secret_basic",
  "client_secret_post",
  "client_secret_jwt",
  "private_key_jwt",
];

export interface RegisteredClient {
  clientId: string;
  method: AuthMethod | "none";
  /** For the client_secret_* methods. */
  secret?: string;
  /** For private_key_jwt: the private key, as a CryptoKey, a PKCS#8 PEM and its kid. */
  privateKey?: { key: CryptoKey; pem: string; kid: string };
}

/** POST /admin/clients; answers the created client (with its secret, shown once). */
export async function adminRegister(
  issuer: string,
  metadata: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuer}/admin/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(metadata),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 201) throw new Error(`admin registration refused: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A confidential web client using `method`, allowed the code, refresh and client_credentials grants. */
export async function registerClient(issuer: string, label: string, method: AuthMethod): Promise<RegisteredClient> {
  const clientId = `interop-${label}-${method}-${crypto.randomUUID().slice(0, 8)}`;
  const metadata: Record<string, unknown> = {
    client_id: clientId,
    client_name: `Interop ${label} (${method})`,
    token_endpoint_auth_method: method,
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    response_types: ["code"],
    scope: `${SCOPE} ${SERVICE_SCOPE}`,
  };
  let privateKey: RegisteredClient["privateKey"];
  if (method === "private_key_jwt") {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const kid = `interop-${crypto.randomUUID().slice(0, 8)}`;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
    metadata["jwks"] = { keys: [publicJwk] };
    privateKey = { key: pair.privateKey, pem: await exportPKCS8(pair.privateKey), kid };
  }
  const created = await adminRegister(issuer, metadata);
  const secret = typeof created["client_secret"] === "string" ? created["client_secret"] : undefined;
  if (method !== "private_key_jwt" && secret === undefined) throw new Error(`no secret for ${clientId}`);
  return { clientId, method, ...(secret === undefined ? {} : { secret }), ...(privateKey ? { privateKey } : {}) };
}

/** Fetch with the jar's cookies, storing what comes back; never follows redirects. */
export async function browserFetch(jar: CookieJar, url: URL | string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url);
  const headers = new Headers(init.headers);
  const cookie = jar.header(target);
  if (cookie !== undefined) headers.set("cookie", cookie);
  const res = await fetch(target, { ...init, headers, redirect: "manual" });
  jar.store(target, res.headers);
  return res;
}

/** `/authorize?prompt=none` in this browser; answers the `error` at the redirect_uri (undefined for a code). */
export async function silentAuthorizationError(
  jar: CookieJar,
  authorizationEndpoint: string,
  clientId: string,
): Promise<string | undefined> {
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "openid",
    state: crypto.randomUUID(),
    prompt: "none",
  }).toString();
  const res = await browserFetch(jar, url);
  await res.body?.cancel();
  expect([302, 303]).toContain(res.status);
  const location = new URL(res.headers.get("location") ?? "", url);
  expect(location.origin + location.pathname).toBe(REDIRECT_URI);
  if (location.searchParams.has("code")) return undefined;
  return location.searchParams.get("error") ?? "";
}

/**
 * RP-Initiated Logout 1.0 as a browser holding the session: the end-session request (built by the library) is
 * tied to the session by its id_token_hint, so the session ends and the browser goes straight back to the
 * registered post_logout_redirect_uri with the state (§3); afterwards prompt=none needs a login again.
 */
export async function expectLogout(options: {
  jar: CookieJar;
  endSessionUrl: URL;
  state: string;
  authorizationEndpoint: string;
  clientId: string;
}): Promise<void> {
  const { jar, endSessionUrl, state, authorizationEndpoint, clientId } = options;
  // Signed in before: prompt=none gets a code.
  expect(await silentAuthorizationError(jar, authorizationEndpoint, clientId)).toBeUndefined();
  const res = await browserFetch(jar, endSessionUrl);
  const body = await res.text();
  expect(res.status, body.slice(0, 500)).toBe(303);
  const location = new URL(res.headers.get("location") ?? "", endSessionUrl);
  expect(location.origin + location.pathname).toBe(POST_LOGOUT_REDIRECT_URI);
  expect(location.searchParams.get("state")).toBe(state);
  // The session is gone: OIDC Core §3.1.2.6, prompt=none without a session answers login_required.
  expect(await silentAuthorizationError(jar, authorizationEndpoint, clientId)).toBe("login_required");
}
