// End-to-end: the authorization code flow against `wrangler dev`, driven by a certified relying-party
// library (openid-client v6) and the browserless form driver, for each kind of demo client of the README:
// confidential (client_secret_basic, with and without PKCE), public (none + PKCE S256), and
// client_secret_post with response_mode=form_post; then SSO (silent re-authorization) and prompt=none.
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as client from "openid-client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CookieJar, drive, type DriveResult } from "./browserless";

const issuer = inject("issuer");
const USER = { username: "spoon", password: "spoon" };
const SCOPE = "openid profile email";

/** Responses of the provider's back-channel endpoints, seen through openid-client's customFetch. */
interface Seen {
  url: string;
  status: number;
  cacheControl: string | null;
}

async function configure(clientId: string, auth: client.ClientAuth, seen?: Seen[]): Promise<client.Configuration> {
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
  });
  if (seen) {
    config[client.customFetch] = async (url, options) => {
      // Uint8Array bodies are valid fetch bodies at run time; the DOM lib types lag behind.
      const res = await fetch(url, options as RequestInit);
      seen.push({ url, status: res.status, cacheControl: res.headers.get("cache-control") });
      return res;
    };
  }
  return config;
}

interface FlowOptions {
  clientId: string;
  auth: client.ClientAuth;
  redirectUri: string;
  pkce: boolean;
  responseMode?: "form_post";
  jar?: CookieJar;
  prompt?: string;
}

interface FlowResult {
  config: client.Configuration;
  driven: DriveResult;
  tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  nonce: string;
  seen: Seen[];
}

/** One authorization code flow: build the request, drive the pages, redeem the code with openid-client. */
async function codeFlow(options: FlowOptions): Promise<FlowResult> {
  const seen: Seen[] = [];
  const config = await configure(options.clientId, options.auth, seen);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri,
    scope: SCOPE,
    state,
    nonce,
  };
  let pkceCodeVerifier: string | undefined;
  if (options.pkce) {
    pkceCodeVerifier = client.randomPKCECodeVerifier();
    params["code_challenge"] = await client.calculatePKCECodeChallenge(pkceCodeVerifier);
    params["code_challenge_method"] = "S256";
  }
  if (options.responseMode) params["response_mode"] = options.responseMode;
  if (options.prompt !== undefined) params["prompt"] = options.prompt;
  const authorizationUrl = client.buildAuthorizationUrl(config, params);

  const driven = await drive(authorizationUrl, { ...USER, jar: options.jar ?? new CookieJar() });
  let callback: URL | Request;
  if (driven.kind === "form_post") {
    callback = new Request(driven.url, {
      method: "POST",
      body: new URLSearchParams(driven.fields),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
  } else {
    callback = driven.url;
  }
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { config, driven, tokens, nonce, seen };
}

/** The checks every successful flow must pass: ID token claims and signature, token response, UserInfo. */
async function assertTokensAndUserInfo(flow: FlowResult, clientId: string): Promise<string> {
  const { config, tokens, nonce } = flow;
  expect(tokens.token_type.toLowerCase()).toBe("bearer");
  expect(typeof tokens.access_token).toBe("string");
  expect(tokens.access_token.length).toBeGreaterThan(0);
  expect(typeof tokens.id_token).toBe("string");

  // openid-client already validated the ID token (signature against the JWKS, iss, aud, exp, nonce).
  const claims = tokens.claims();
  expect(claims).toBeDefined();
  if (!claims) throw new Error("no ID token claims");
  expect(claims.iss).toBe(issuer);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  expect(aud).toContain(clientId);
  expect(typeof claims.sub).toBe("string");
  expect(claims.sub.length).toBeGreaterThan(0);
  expect(claims.nonce).toBe(nonce);
  expect(typeof claims.auth_time).toBe("number");
  expect(typeof claims.iat).toBe("number");
  expect(claims.exp).toBeGreaterThan(claims.iat);

  // Independently of openid-client: verify the ID token against the published JWKS with jose.
  const metadata = config.serverMetadata();
  expect(metadata.jwks_uri).toBeDefined();
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri ?? ""));
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? "", jwks, {
    issuer,
    audience: clientId,
  });
  expect(payload.sub).toBe(claims.sub);
  expect(protectedHeader.kid).toBeDefined();

  // The token response carries tokens: it must not be cached (RFC 6749 §5.1).
  const tokenResponse = flow.seen.find((s) => s.url === metadata.token_endpoint);
  expect(tokenResponse?.status).toBe(200);
  expect(tokenResponse?.cacheControl ?? "").toContain("no-store");

  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  expect(userinfo.sub).toBe(claims.sub);
  expect(typeof userinfo.email).toBe("string");
  expect(typeof userinfo.name).toBe("string");
  return claims.sub;
}

describe("authorization code flow (openid-client)", () => {
  let metadata: client.ServerMetadata;

  beforeAll(async () => {
    metadata = (await configure("demo", client.ClientSecretBasic("demo-secret"))).serverMetadata();
  });

  it("publishes discovery metadata for the issuer it runs at", () => {
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.authorization_endpoint).toMatch(new RegExp(`^${issuer}/`));
    expect(metadata.token_endpoint).toMatch(new RegExp(`^${issuer}/`));
    expect(metadata.jwks_uri).toMatch(new RegExp(`^${issuer}/`));
    expect(metadata.userinfo_endpoint).toMatch(new RegExp(`^${issuer}/`));
    expect(metadata.code_challenge_methods_supported).toContain("S256");
  });

  it("confidential client (client_secret_basic) with PKCE S256", async () => {
    const flow = await codeFlow({
      clientId: "demo",
      auth: client.ClientSecretBasic("demo-secret"),
      redirectUri: "http://localhost:3000/callback",
      pkce: true,
    });
    expect(flow.driven.kind).toBe("redirect");
    expect(flow.driven.forms).toContain("login");
    await assertTokensAndUserInfo(flow, "demo");
  });

  it("confidential client (client_secret_basic) without PKCE, second registered redirect_uri", async () => {
    const flow = await codeFlow({
      clientId: "demo",
      auth: client.ClientSecretBasic("demo-secret"),
      redirectUri: "http://127.0.0.1:3000/callback",
      pkce: false,
    });
    expect(flow.driven.url.origin + flow.driven.url.pathname).toBe("http://127.0.0.1:3000/callback");
    await assertTokensAndUserInfo(flow, "demo");
  });

  it("public client (none) with PKCE S256", async () => {
    const flow = await codeFlow({
      clientId: "demo-spa",
      auth: client.None(),
      redirectUri: "http://localhost:3000/spa/callback",
      pkce: true,
    });
    expect(flow.driven.url.origin + flow.driven.url.pathname).toBe("http://localhost:3000/spa/callback");
    await assertTokensAndUserInfo(flow, "demo-spa");
  });

  it("client_secret_post client with response_mode=form_post", async () => {
    const flow = await codeFlow({
      clientId: "demo-post",
      auth: client.ClientSecretPost("demo-secret"),
      redirectUri: "http://localhost:3000/callback",
      pkce: true,
      responseMode: "form_post",
    });
    expect(flow.driven.kind).toBe("form_post");
    if (flow.driven.kind !== "form_post") return;
    expect(flow.driven.url.href).toBe("http://localhost:3000/callback");
    expect(Object.keys(flow.driven.fields)).toEqual(expect.arrayContaining(["code", "state", "iss"]));
    expect(flow.driven.fields["iss"]).toBe(issuer);
    await assertTokensAndUserInfo(flow, "demo-post");
  });

  it("a second authorization in the same browser is silent (SSO session)", async () => {
    const jar = new CookieJar();
    const first = await codeFlow({
      clientId: "demo",
      auth: client.ClientSecretBasic("demo-secret"),
      redirectUri: "http://localhost:3000/callback",
      pkce: true,
      jar,
    });
    expect(first.driven.forms).toContain("login");
    const firstSub = await assertTokensAndUserInfo(first, "demo");

    const second = await codeFlow({
      clientId: "demo",
      auth: client.ClientSecretBasic("demo-secret"),
      redirectUri: "http://localhost:3000/callback",
      pkce: true,
      jar,
    });
    // No login form (and no consent form) on the way: the first response chain reaches the callback.
    expect(second.driven.forms).toEqual([]);
    expect(second.driven.kind).toBe("redirect");
    const secondSub = await assertTokensAndUserInfo(second, "demo");
    expect(secondSub).toBe(firstSub);
    // The session's authentication time is carried over, not renewed by a silent authorization.
    expect(second.tokens.claims()?.auth_time).toBe(first.tokens.claims()?.auth_time);
  });

  it("prompt=none without a session answers login_required at the redirect_uri with state and iss", async () => {
    const state = client.randomState();
    const url = new URL(metadata.authorization_endpoint ?? "");
    url.search = new URLSearchParams({
      client_id: "demo",
      response_type: "code",
      redirect_uri: "http://localhost:3000/callback",
      scope: SCOPE,
      state,
      nonce: client.randomNonce(),
      prompt: "none",
    }).toString();
    const res = await fetch(url, { redirect: "manual" });
    expect([302, 303]).toContain(res.status);
    const location = new URL(res.headers.get("location") ?? "", url);
    expect(location.origin + location.pathname).toBe("http://localhost:3000/callback");
    expect(location.searchParams.get("error")).toBe("login_required");
    expect(location.searchParams.get("state")).toBe(state);
    expect(location.searchParams.get("iss")).toBe(issuer);
    expect(location.searchParams.has("code")).toBe(false);
  });
});
