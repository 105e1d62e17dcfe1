// Test helpers: drive the provider through its real HTTP surface (`exports.default` of cloudflare:workers) with a tiny cookie jar.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { base64url, createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";

export const ISSUER = "http://localhost:8787";
export const DEMO_REDIRECT = "http://localhost:3000/callback";
export const SPA_REDIRECT = "http://localhost:3000/spa/callback";

export class Browser {
  private cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await exports.default.fetch(new URL(url, ISSUER).toString(), { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (m[1] && m[2] !== undefined) fields[m[1]] = unescapeHtml(m[2]);
  }
  return fields;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export interface AuthorizeOptions {
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  [param: string]: string | undefined;
}

export function authorizeUrl(options: AuthorizeOptions = {}): string {
  const params = new URLSearchParams();
  const all: AuthorizeOptions = {
    client_id: "demo",
    redirect_uri: DEMO_REDIRECT,
    response_type: "code",
    scope: "openid profile email",
    state: "state-123",
    nonce: "nonce-456",
    ...options,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) params.set(k, v);
  return `/authorize?${params.toString()}`;
}

/** Follows the provider's pages (login, consent) until it redirects to the client; returns that Location. */
export async function authorize(
  browser: Browser,
  options: AuthorizeOptions = {},
  user: { username: string; password: string } = { username: "spoon", password: "spoon" },
): Promise<URL> {
  let res = await browser.fetch(authorizeUrl(options));
  for (let step = 0; step < 6; step++) {
    const location = res.headers.get("location");
    if (location) {
      const url = new URL(location, ISSUER);
      if (url.origin !== ISSUER) return url;
      res = await browser.fetch(url.toString());
      continue;
    }
    const html = await res.text();
    if (res.status !== 200 && res.status !== 401) throw new Error(`unexpected ${res.status}: ${html.slice(0, 300)}`);
    const fields = hiddenFields(html);
    if (html.includes('name="password"')) {
      res = await browser.post("/login", { ...fields, ...user });
    } else if (html.includes('name="decision"')) {
      res = await browser.post("/consent", { ...fields, decision: "allow" });
    } else {
      throw new Error(`unexpected page: ${html.slice(0, 300)}`);
    }
  }
  throw new Error("too many steps");
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url.encode(new Uint8Array(digest)) };
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${btoa(`${enc(id)}:${enc(secret)}`)}`;
}

export function tokenRequest(form: Record<string, string>, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization) headers.authorization = authorization;
  return exports.default.fetch(`${ISSUER}/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
}

export async function codeFor(browser: Browser, options: AuthorizeOptions = {}): Promise<string> {
  const location = await authorize(browser, options);
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code in ${location.href}`);
  return code;
}

export function redeem(code: string, extra: Record<string, string> = {}, authorization = basic("demo", "demo-secret")) {
  return tokenRequest({ grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT, ...extra }, authorization);
}

export async function verifyWithJwks(token: string, audience: string, typ?: string): Promise<JWTPayload> {
  const jwks = await (await exports.default.fetch(`${ISSUER}/jwks`)).json<{ keys: [] }>();
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience,
    ...(typ ? { typ } : {}),
  });
  return payload;
}

export async function expectOAuthError(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await res.json<{ error: string; error_description?: string }>();
  expect(body.error).toBe(error);
}

export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** A fresh grant for `demo` with a refresh token (offline_access), through the real code flow. */
export async function offlineTokens(scope = "openid profile email offline_access"): Promise<Tokens> {
  const res = await redeem(await codeFor(new Browser(), { scope }));
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return res.json<Tokens>();
}

export function refresh(
  refreshToken: string,
  extra: Record<string, string> = {},
  authorization = basic("demo", "demo-secret"),
) {
  return tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken, ...extra }, authorization);
}

export function introspect(
  token: string,
  authorization = basic("weather-api", "weather-api-secret"),
  headers: Record<string, string> = {},
) {
  return exports.default.fetch(`${ISSUER}/introspect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization, ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** Introspected by its client (`demo` unless said otherwise), which may always see its own tokens. */
export async function isActive(token: string, authorization = basic("demo", "demo-secret")): Promise<boolean> {
  const res = await introspect(token, authorization);
  if (res.status !== 200) throw new Error(`introspection failed: ${res.status}`);
  return (await res.json<{ active: boolean }>()).active;
}

export function revoke(
  token: string,
  authorization = basic("demo", "demo-secret"),
  extra: Record<string, string> = {},
) {
  return exports.default.fetch(`${ISSUER}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: new URLSearchParams({ token, ...extra }).toString(),
  });
}

export function clientCredentials(client: string, secret: string, scope?: string) {
  return tokenRequest(
    { grant_type: "client_credentials", ...(scope === undefined ? {} : { scope }) },
    basic(client, secret),
  );
}

const ADMIN = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };

/** The admin API with the development token. */
export function admin(path: string, method: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`${ISSUER}/admin${path}`, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface TestUser {
  sub: string;
  username: string;
  password: string;
}

/** A new user of the built-in store (through the admin API), so that a test's sessions and grants are its own. */
export async function newUser(): Promise<TestUser> {
  const username = `user-${crypto.randomUUID()}`;
  const password = "correct horse battery";
  const res = await admin("/users", "POST", { username, password, claims: { name: "Test User" } });
  expect(res.status).toBe(201);
  return { sub: (await res.json<{ sub: string }>()).sub, username, password };
}
