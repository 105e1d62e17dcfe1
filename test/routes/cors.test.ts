// CORS for browser-based apps (Fetch standard §3.2, draft-ietf-oauth-browser-based-apps): discovery and JWKS to
// any origin; /token, /userinfo and /revoke to the origins registered for the client; nothing anywhere else.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import { sha256Base64url } from "../../src/lib/crypto";
import { Browser, ISSUER, SPA_REDIRECT, basic, codeFor, expectOAuthError, pkcePair, type Tokens } from "../helpers";

/** demo-spa's origin, derived from its redirect URI http://localhost:3000/spa/callback (src/demo/seed.ts). */
const SPA_ORIGIN = "http://localhost:3000";
const OTHER_ORIGIN = "https://evil.example";
const ADMIN = "Bearer dev-admin-token";

function preflight(path: string, method: string, origin = OTHER_ORIGIN): Promise<Response> {
  return exports.default.fetch(`${ISSUER}${path}`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

function post(path: string, form: Record<string, string>, origin?: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (origin !== undefined) headers.origin = origin;
  if (authorization !== undefined) headers.authorization = authorization;
  return exports.default.fetch(`${ISSUER}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
}

function userinfo(token: string, origin?: string): Promise<Response> {
  return exports.default.fetch(`${ISSUER}/userinfo`, {
    headers: { authorization: `Bearer ${token}`, ...(origin === undefined ? {} : { origin }) },
  });
}

/** Every Access-Control-* header of a response, by lower-case name. */
function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")));
}

function varies(res: Response, header: string): boolean {
  return (res.headers.get("vary") ?? "").split(",").some((name) => name.trim().toLowerCase() === header.toLowerCase());
}

/** The CORS headers of an actual response the app may read (no credentials: none of these endpoints uses cookies). */
function expectAllowed(res: Response, origin: string): void {
  expect(corsHeaders(res)).toEqual({
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "WWW-Authenticate, DPoP-Nonce",
  });
  expect(varies(res, "Origin")).toBe(true);
}

function expectRefused(res: Response): void {
  expect(corsHeaders(res)).toEqual({});
  // The answer still depends on Origin, so caches must key on it (Fetch §3.2.5).
  expect(varies(res, "Origin")).toBe(true);
}

/** demo-spa's tokens through the code flow with PKCE, redeemed from its own origin. */
async function spaTokens(scope = "openid profile offline_access"): Promise<{ res: Response; tokens: Tokens }> {
  const { verifier, challenge } = await pkcePair();
  const code = await codeFor(new Browser(), {
    client_id: "demo-spa",
    redirect_uri: SPA_REDIRECT,
    scope,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const form = {
    grant_type: "authorization_code",
    code,
    redirect_uri: SPA_REDIRECT,
    client_id: "demo-spa",
    code_verifier: verifier,
  };
  const res = await post("/token", form, SPA_ORIGIN);
  expect(res.status).toBe(200);
  return { res, tokens: await res.clone().json<Tokens>() };
}

/** A confidential client_credentials client, optionally with explicit origins. */
async function confidential(clientId: string, allowedCorsOrigins?: string[]): Promise<string> {
  await saveClient(env, {
    v: 1,
    client_id: clientId,
    client_secret_hash: await sha256Base64url("cors-secret"),
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: ["https://app.example.com/callback"],
    grant_types: ["client_credentials"],
    response_types: [],
    scope: "weather",
    ...(allowedCorsOrigins === undefined ? {} : { allowed_cors_origins: allowedCorsOrigins }),
  });
  return basic(clientId, "cors-secret");
}

describe("CORS: discovery and JWKS to any origin", () => {
  for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks"]) {
    it(`${path}: Access-Control-Allow-Origin * on GET, and a preflight answered`, async () => {
      const res = await exports.default.fetch(`${ISSUER}${path}`, { headers: { origin: OTHER_ORIGIN } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual({ "access-control-allow-origin": "*" });
      const pre = await preflight(path, "GET");
      expect(pre.status).toBe(204);
      expect(corsHeaders(pre)).toEqual({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        // Nothing secret here: whatever the app asks to send is allowed.
        "access-control-allow-headers": "authorization,content-type",
        "access-control-max-age": "3600",
      });
      expect(await pre.text()).toBe("");
    });
  }
});

describe("CORS: preflight of the client endpoints, for any origin (the client is not known yet)", () => {
  const cases = [
    ["/token", "POST", "POST"],
    ["/revoke", "POST", "POST"],
    ["/userinfo", "GET", "GET,POST"],
  ] as const;
  for (const [path, method, methods] of cases) {
    for (const origin of [SPA_ORIGIN, OTHER_ORIGIN]) {
      it(`OPTIONS ${path} from ${origin}: 204 with methods, headers and max-age, no credentials`, async () => {
        const res = await preflight(path, method, origin);
        expect(res.status).toBe(204);
        expect(corsHeaders(res)).toEqual({
          "access-control-allow-origin": origin,
          "access-control-allow-methods": methods,
          "access-control-allow-headers": "Authorization,Content-Type,DPoP",
          "access-control-max-age": "3600",
        });
        expect(varies(res, "Origin")).toBe(true);
        expect(await res.text()).toBe("");
      });
    }
  }
});

describe("CORS: the token endpoint", () => {
  it("a public client's code exchange from its redirect URI's origin: the origin is allowed, errors too", async () => {
    const { res } = await spaTokens();
    expectAllowed(res, SPA_ORIGIN);
    // The SPA must be able to read invalid_grant (a spent or bogus code).
    const error = await post(
      "/token",
      { grant_type: "authorization_code", code: "bogus", redirect_uri: SPA_REDIRECT, client_id: "demo-spa" },
      SPA_ORIGIN,
    );
    expectAllowed(error, SPA_ORIGIN);
    await expectOAuthError(error, 400, "invalid_grant");
  });

  it("a refresh from the SPA's origin is allowed; from another origin it is answered without CORS headers", async () => {
    const { tokens } = await spaTokens();
    const refresh = (token: string, origin: string) =>
      post("/token", { grant_type: "refresh_token", refresh_token: token, client_id: "demo-spa" }, origin);
    const allowed = await refresh(tokens.refresh_token ?? "", SPA_ORIGIN);
    expect(allowed.status).toBe(200);
    expectAllowed(allowed, SPA_ORIGIN);
    // The server answers normally (the browser withholds the answer from the page): the rotated token works.
    const rotated = (await allowed.json<Tokens>()).refresh_token ?? "";
    const refused = await refresh(rotated, OTHER_ORIGIN);
    expect(refused.status).toBe(200);
    expectRefused(refused);
  });

  it("the same origin with different case or a trailing slash is another origin", async () => {
    for (const origin of ["http://LOCALHOST:3000", "http://localhost:3000/", "http://localhost:3001", "null"]) {
      const res = await post(
        "/token",
        { grant_type: "refresh_token", refresh_token: "x", client_id: "demo-spa" },
        origin,
      );
      expectRefused(res);
    }
  });

  it("without an Origin header (not a browser's cross-origin call) there are no CORS headers", async () => {
    const res = await post("/token", { grant_type: "refresh_token", refresh_token: "x", client_id: "demo-spa" });
    expect(res.status).toBe(400);
    expectRefused(res);
  });

  it("an unknown client gets no CORS headers: there is no client whose origins could allow it", async () => {
    const res = await post(
      "/token",
      { grant_type: "refresh_token", refresh_token: "x", client_id: "nobody" },
      SPA_ORIGIN,
    );
    expectRefused(res);
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("a confidential client gets no CORS from its redirect URIs' origin, only from explicit allowed_cors_origins", async () => {
    // demo is confidential; its redirect URI http://localhost:3000/callback does not make that origin allowed.
    const demo = await post("/token", { grant_type: "client_credentials" }, SPA_ORIGIN, basic("demo", "demo-secret"));
    expect(demo.status).toBe(200);
    expectRefused(demo);

    const implicit = await confidential("cors-implicit");
    expectRefused(await post("/token", { grant_type: "client_credentials" }, "https://app.example.com", implicit));

    const explicit = await confidential("cors-explicit", ["https://app.example.com", "http://localhost:4000"]);
    const ok = await post("/token", { grant_type: "client_credentials" }, "https://app.example.com", explicit);
    expect(ok.status).toBe(200);
    expectAllowed(ok, "https://app.example.com");
    expectAllowed(
      await post("/token", { grant_type: "client_credentials" }, "http://localhost:4000", explicit),
      "http://localhost:4000",
    );
    expectRefused(await post("/token", { grant_type: "client_credentials" }, SPA_ORIGIN, explicit));
  });

  it("an authentication failure of a known client reaches its allowed origin, with WWW-Authenticate exposed", async () => {
    await confidential("cors-wrong-secret", ["https://app.example.com"]);
    const res = await post(
      "/token",
      { grant_type: "client_credentials" },
      "https://app.example.com",
      basic("cors-wrong-secret", "not-the-secret"),
    );
    expectAllowed(res, "https://app.example.com");
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("explicit allowed_cors_origins replace a public client's derived ones (an empty list: no CORS)", async () => {
    await saveClient(env, {
      v: 1,
      client_id: "spa-no-cors",
      token_endpoint_auth_method: "none",
      redirect_uris: [SPA_REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      scope: "openid",
      allowed_cors_origins: [],
    });
    const res = await post(
      "/token",
      { grant_type: "refresh_token", refresh_token: "x", client_id: "spa-no-cors" },
      SPA_ORIGIN,
    );
    expectRefused(res);
    await expectOAuthError(res, 400, "invalid_grant");
  });
});

describe("CORS: revocation and userinfo", () => {
  it("/revoke from the SPA's origin is allowed; from another origin it is answered without CORS headers", async () => {
    const { tokens } = await spaTokens();
    const other = await post("/revoke", { token: tokens.access_token, client_id: "demo-spa" }, OTHER_ORIGIN);
    expect(other.status).toBe(200);
    expectRefused(other);
    const res = await post("/revoke", { token: tokens.refresh_token ?? "", client_id: "demo-spa" }, SPA_ORIGIN);
    expect(res.status).toBe(200);
    expectAllowed(res, SPA_ORIGIN);
    // RFC 7009 §2.2: revoking a token of another client is an error the SPA can read.
    const { access_token: foreign } = await (
      await post("/token", { grant_type: "client_credentials" }, undefined, basic("demo", "demo-secret"))
    ).json<Tokens>();
    const wrong = await post("/revoke", { token: foreign, client_id: "demo-spa" }, SPA_ORIGIN);
    expectAllowed(wrong, SPA_ORIGIN);
    await expectOAuthError(wrong, 400, "unauthorized_client");
  });

  it("/userinfo answers the origin of the token's client, GET and POST; other origins get no CORS headers", async () => {
    const { tokens } = await spaTokens();
    const res = await userinfo(tokens.access_token, SPA_ORIGIN);
    expect(res.status).toBe(200);
    expectAllowed(res, SPA_ORIGIN);
    const viaPost = await post("/userinfo", { access_token: tokens.access_token }, SPA_ORIGIN);
    expect(viaPost.status).toBe(200);
    expectAllowed(viaPost, SPA_ORIGIN);
    const other = await userinfo(tokens.access_token, OTHER_ORIGIN);
    expect(other.status).toBe(200);
    expectRefused(other);
  });

  it("/userinfo errors of a known token reach the app with WWW-Authenticate exposed; a non-token's do not", async () => {
    const { tokens } = await spaTokens("profile");
    const res = await userinfo(tokens.access_token, SPA_ORIGIN);
    expect(res.status).toBe(403);
    expectAllowed(res, SPA_ORIGIN);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    // A token that is no token of ours names no client: nothing says which origin could be allowed.
    const invalid = await userinfo("not-a-token", SPA_ORIGIN);
    expect(invalid.status).toBe(401);
    expectRefused(invalid);
  });
});

describe("CORS: a revoked access token at /userinfo", () => {
  it("its invalid_token answer reaches its client's origin (our signature vouches for client_id), no other", async () => {
    const { tokens } = await spaTokens();
    expect((await post("/revoke", { token: tokens.access_token, client_id: "demo-spa" })).status).toBe(200);
    const res = await userinfo(tokens.access_token, SPA_ORIGIN);
    expect(res.status).toBe(401);
    expectAllowed(res, SPA_ORIGIN);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    const other = await userinfo(tokens.access_token, OTHER_ORIGIN);
    expect(other.status).toBe(401);
    expectRefused(other);
  });
});

describe("CORS: never on the pages, introspection, registration or the admin API", () => {
  const paths = ["/authorize", "/login", "/consent", "/introspect", "/register", "/register/demo", "/admin/clients"];
  for (const path of paths) {
    it(`OPTIONS ${path}: no preflight answer`, async () => {
      const res = await preflight(path, "POST", SPA_ORIGIN);
      // Not found, or the admin API's 401 before any route: never a 204 preflight answer.
      expect([401, 404, 405]).toContain(res.status);
      expect(corsHeaders(res)).toEqual({});
    });
  }

  it("their actual answers carry no CORS headers either", async () => {
    const headers = { origin: SPA_ORIGIN };
    const answers = await Promise.all([
      exports.default.fetch(`${ISSUER}/authorize?client_id=demo-spa`, { headers }),
      exports.default.fetch(`${ISSUER}/login`, { headers }),
      post("/introspect", { token: "x" }, SPA_ORIGIN, basic("demo", "demo-secret")),
      exports.default.fetch(`${ISSUER}/register`, {
        method: "POST",
        headers: { ...headers, authorization: ADMIN, "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [SPA_REDIRECT], token_endpoint_auth_method: "none" }),
      }),
      exports.default.fetch(`${ISSUER}/admin/clients`, { headers: { ...headers, authorization: ADMIN } }),
    ]);
    for (const res of answers) expect(corsHeaders(res)).toEqual({});
  });
});

describe("CORS: allowed_cors_origins at registration (RFC 7591 metadata)", () => {
  const register = (metadata: Record<string, unknown>, path = "/register") =>
    exports.default.fetch(`${ISSUER}${path}`, {
      method: "POST",
      headers: { authorization: ADMIN, "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: ["https://app.example.com/callback"], ...metadata }),
    });

  it("refuses anything but a serialized https (or loopback http) origin: invalid_client_metadata", async () => {
    const bad: unknown[] = [
      "https://app.example.com/",
      "https://app.example.com/path",
      "https://app.example.com?x=1",
      "https://APP.example.com",
      "https://app.example.com:443",
      "http://app.example.com",
      "ftp://app.example.com",
      "null",
      "*",
      "app.example.com",
      42,
    ];
    for (const origin of bad) {
      await expectOAuthError(await register({ allowed_cors_origins: [origin] }), 400, "invalid_client_metadata");
    }
    await expectOAuthError(
      await register({ allowed_cors_origins: "https://app.example.com" }),
      400,
      "invalid_client_metadata",
    );
  });

  it("stores, returns and enforces valid origins; the admin API sets them too", async () => {
    const origins = ["https://app.example.com", "https://app.example.com:8443", "http://127.0.0.1:3000"];
    const res = await register({
      allowed_cors_origins: origins,
      grant_types: ["client_credentials"],
      redirect_uris: [],
    });
    expect(res.status).toBe(201);
    const client = await res.json<{ client_id: string; client_secret: string; allowed_cors_origins: string[] }>();
    expect(client.allowed_cors_origins).toEqual(origins);
    const auth = basic(client.client_id, client.client_secret);
    expectAllowed(
      await post("/token", { grant_type: "client_credentials" }, "https://app.example.com:8443", auth),
      "https://app.example.com:8443",
    );

    const admin = await register(
      { client_id: "cors-admin", allowed_cors_origins: ["https://admin-app.example.com"] },
      "/admin/clients",
    );
    expect(admin.status).toBe(201);
    expect((await admin.json<{ allowed_cors_origins: string[] }>()).allowed_cors_origins).toEqual([
      "https://admin-app.example.com",
    ]);
    await expectOAuthError(
      await register({ client_id: "cors-admin-bad", allowed_cors_origins: ["https://x.example/"] }, "/admin/clients"),
      400,
      "invalid_client_metadata",
    );
  });
});
