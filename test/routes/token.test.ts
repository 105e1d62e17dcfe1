import { env, exports } from "cloudflare:workers";
import { decodeProtectedHeader } from "jose";
import { describe, expect, it, vi } from "vitest";
import { setClockOffset } from "../../src/clock";
import {
  Browser,
  DEMO_REDIRECT,
  ISSUER,
  SPA_REDIRECT,
  basic,
  codeFor,
  expectOAuthError,
  pkcePair,
  redeem,
  tokenRequest,
  verifyWithJwks,
} from "../helpers";

async function loggedInBrowser(): Promise<Browser> {
  const browser = new Browser();
  await codeFor(browser); // login + consent once; later codes are silent
  return browser;
}

describe("token endpoint: authorization_code", () => {
  it("returns access token, Bearer, expires_in, id_token and scope with no-store", async () => {
    const browser = await loggedInBrowser();
    const res = await redeem(await codeFor(browser));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Record<string, unknown>>();
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe("openid profile email");
    expect(typeof body.access_token).toBe("string");
    expect(typeof body.id_token).toBe("string");
  });

  it("the ID token carries the OIDC claims and verifies against the published JWKS", async () => {
    const browser = await loggedInBrowser();
    const body = await (
      await redeem(await codeFor(browser, { nonce: "n-0S6_WzA2Mj" }))
    ).json<{ id_token: string; access_token: string }>();
    const header = decodeProtectedHeader(body.id_token);
    expect(header.alg).toBe("RS256");
    expect(header.kid).toBeTruthy();
    const claims = await verifyWithJwks(body.id_token, "demo");
    expect(claims.iss).toBe(ISSUER);
    expect(claims.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    expect(claims.aud).toBe("demo");
    expect(claims.azp).toBe("demo");
    expect(claims.nonce).toBe("n-0S6_WzA2Mj");
    expect(claims.amr).toEqual(["pwd"]);
    expect(typeof claims.auth_time).toBe("number");
    expect(claims.exp).toBe((claims.iat ?? 0) + 3600);
    // OIDC Core §3.1.3.6: at_hash = base64url(left half of SHA-256(access_token)).
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body.access_token)));
    const { base64url } = await import("jose");
    expect(claims.at_hash).toBe(base64url.encode(digest.slice(0, 16)));
  });

  it("omits nonce from the ID token when the request had none", async () => {
    const browser = await loggedInBrowser();
    const body = await (await redeem(await codeFor(browser, { nonce: undefined }))).json<{ id_token: string }>();
    expect(await verifyWithJwks(body.id_token, "demo")).not.toHaveProperty("nonce");
  });

  it("issues no ID token for a plain OAuth request (no openid scope)", async () => {
    const browser = await loggedInBrowser();
    const body = await (await redeem(await codeFor(browser, { scope: "profile" }))).json<Record<string, unknown>>();
    expect(body.id_token).toBeUndefined();
    expect(body.scope).toBe("profile");
  });

  it("the access token is an RFC 9068 JWT", async () => {
    const browser = await loggedInBrowser();
    const body = await (await redeem(await codeFor(browser))).json<{ access_token: string }>();
    expect(decodeProtectedHeader(body.access_token).typ).toBe("at+jwt");
    const claims = await verifyWithJwks(body.access_token, ISSUER, "at+jwt");
    expect(claims.client_id).toBe("demo");
    expect(claims.scope).toBe("openid profile email");
    expect(claims.jti).toBeTruthy();
    expect(typeof claims.auth_time).toBe("number");
  });

  it("accepts client_secret_post for the client registered with it", async () => {
    const browser = new Browser();
    const code = await codeFor(browser, { client_id: "demo-post" });
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: DEMO_REDIRECT,
      client_id: "demo-post",
      client_secret: "demo-secret",
    });
    expect(res.status).toBe(200);
  });

  it("URL-decodes client_secret_basic credentials (RFC 6749 §2.3.1)", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    // "demo-secret" with every character percent-encoded must still match.
    const encoded = Array.from("demo-secret", (ch) => ch)
      .map((ch) => `%${ch.charCodeAt(0).toString(16)}`)
      .join("");
    const res = await tokenRequest(
      { grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT },
      `Basic ${btoa(`demo:${encoded}`)}`,
    );
    expect(res.status).toBe(200);
  });

  it("runs PKCE for the public client with auth method none", async () => {
    const { verifier, challenge } = await pkcePair();
    const browser = new Browser();
    const code = await codeFor(browser, {
      client_id: "demo-spa",
      redirect_uri: SPA_REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: SPA_REDIRECT,
      client_id: "demo-spa",
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    const body = await res.json<{ id_token: string }>();
    expect((await verifyWithJwks(body.id_token, "demo-spa")).aud).toBe("demo-spa");
  });
});

describe("token endpoint: errors", () => {
  it("wrong client secret: 401 invalid_client with WWW-Authenticate", async () => {
    const res = await redeem("x", {}, basic("demo", "wrong"));
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic/);
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("unknown client: 401 invalid_client", async () => {
    await expectOAuthError(await redeem("x", {}, basic("ghost", "demo-secret")), 401, "invalid_client");
  });

  it("a method the client did not register (post for a basic client): invalid_client", async () => {
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: "x",
      redirect_uri: DEMO_REDIRECT,
      client_id: "demo",
      client_secret: "demo-secret",
    });
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("a confidential client without credentials: invalid_client", async () => {
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: "x",
      redirect_uri: DEMO_REDIRECT,
      client_id: "demo",
    });
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("two authentication methods at once: invalid_request", async () => {
    const res = await redeem("x", { client_secret: "demo-secret" });
    await expectOAuthError(res, 400, "invalid_request");
  });

  it("missing or unknown grant_type", async () => {
    await expectOAuthError(await tokenRequest({}, basic("demo", "demo-secret")), 400, "invalid_request");
    await expectOAuthError(
      await tokenRequest({ grant_type: "urn:nope" }, basic("demo", "demo-secret")),
      400,
      "unsupported_grant_type",
    );
  });

  it("a grant type the client may not use: unauthorized_client", async () => {
    const res = await tokenRequest(
      { grant_type: "authorization_code", code: "x", redirect_uri: DEMO_REDIRECT },
      basic("demo-service", "demo-service-secret"),
    );
    await expectOAuthError(res, 400, "unauthorized_client");
  });

  it("a body that is not form-encoded: invalid_request", async () => {
    const res = await exports.default.fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic("demo", "demo-secret") },
      body: "{}",
    });
    await expectOAuthError(res, 400, "invalid_request");
  });

  it("a repeated parameter: invalid_request", async () => {
    const res = await exports.default.fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic("demo", "demo-secret") },
      body: "grant_type=authorization_code&code=a&code=b&redirect_uri=x",
    });
    await expectOAuthError(res, 400, "invalid_request");
  });

  it("missing code or redirect_uri: invalid_request", async () => {
    await expectOAuthError(
      await tokenRequest(
        { grant_type: "authorization_code", redirect_uri: DEMO_REDIRECT },
        basic("demo", "demo-secret"),
      ),
      400,
      "invalid_request",
    );
    await expectOAuthError(
      await tokenRequest({ grant_type: "authorization_code", code: "x" }, basic("demo", "demo-secret")),
      400,
      "invalid_request",
    );
  });

  it("a malformed or unknown code: invalid_grant", async () => {
    await expectOAuthError(await redeem("not-a-code"), 400, "invalid_grant");
    const unknown = `${env.GRANT.newUniqueId().toString()}.${"A".repeat(43)}`;
    await expectOAuthError(await redeem(unknown), 400, "invalid_grant");
  });

  it("a wrong secret half of a real code: invalid_grant, and the real code still works", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    const [id] = code.split(".");
    await expectOAuthError(await redeem(`${id}.${"B".repeat(43)}`), 400, "invalid_grant");
    expect((await redeem(code)).status).toBe(200);
  });

  it("a redirect_uri other than the authorization request's: invalid_grant", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    await expectOAuthError(
      await redeem(code, { redirect_uri: "http://127.0.0.1:3000/callback" }),
      400,
      "invalid_grant",
    );
  });

  it("a code bound to another client: invalid_grant", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: DEMO_REDIRECT,
      client_id: "demo-post",
      client_secret: "demo-secret",
    });
    await expectOAuthError(res, 400, "invalid_grant");
  });

  it("PKCE: wrong verifier, missing verifier, verifier without challenge, malformed verifier", async () => {
    const browser = await loggedInBrowser();
    const { verifier, challenge } = await pkcePair();
    const other = await pkcePair();
    const withPkce = { code_challenge: challenge, code_challenge_method: "S256" };
    await expectOAuthError(
      await redeem(await codeFor(browser, withPkce), { code_verifier: other.verifier }),
      400,
      "invalid_grant",
    );
    await expectOAuthError(await redeem(await codeFor(browser, withPkce)), 400, "invalid_grant");
    await expectOAuthError(await redeem(await codeFor(browser), { code_verifier: verifier }), 400, "invalid_grant");
    await expectOAuthError(
      await redeem(await codeFor(browser, withPkce), { code_verifier: "short" }),
      400,
      "invalid_request",
    );
    expect((await redeem(await codeFor(browser, withPkce), { code_verifier: verifier })).status).toBe(200);
  });

  it("an expired code (older than 60 s): invalid_grant", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    setClockOffset(61);
    try {
      await expectOAuthError(await redeem(code), 400, "invalid_grant");
    } finally {
      setClockOffset(0);
    }
  });

  it("a code is still good inside its 60 s", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    setClockOffset(55); // not 59: real seconds pass between issuing and redeeming on a loaded machine
    try {
      expect((await redeem(code)).status).toBe(200);
    } finally {
      setClockOffset(0);
    }
  });

  it("a reused code: invalid_grant, and the first access token is revoked (401 at userinfo)", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    const first = await (await redeem(code)).json<{ access_token: string }>();
    const userinfo = () =>
      exports.default.fetch(`${ISSUER}/userinfo`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect((await userinfo()).status).toBe(200);
    await expectOAuthError(await redeem(code), 400, "invalid_grant");
    const after = await userinfo();
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it("the client learns the error, not which check failed inside the Grant: that detail is only logged", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    expect((await redeem(code)).status).toBe(200);
    const log = vi.spyOn(console, "log");
    try {
      const reuse = await redeem(code);
      expect(await reuse.json()).toEqual({
        error: "invalid_grant",
        error_description: "the grant is invalid, expired or revoked",
      });
      expect(log).toHaveBeenCalledWith(
        "oauth error",
        "invalid_grant",
        "authorization code already used; the grant is revoked",
      );
    } finally {
      log.mockRestore();
    }
  });
});

describe("token endpoint: concurrency", () => {
  it("50 concurrent redemptions of one code: exactly one 200, the rest invalid_grant", async () => {
    const browser = await loggedInBrowser();
    const code = await codeFor(browser);
    const responses = await Promise.all(Array.from({ length: 50 }, () => redeem(code)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
    const errors = await Promise.all(responses.filter((r) => r.status === 400).map((r) => r.json<{ error: string }>()));
    expect(new Set(errors.map((e) => e.error))).toEqual(new Set(["invalid_grant"]));
  });
});

describe("token endpoint: a failure before issuing spends nothing", () => {
  it("a misconfigured client (HS256 without a recoverable secret) gets server_error, and the code stays redeemable", async () => {
    const { saveClient } = await import("../../src/clients/registry");
    const { secretFields } = await import("../../src/clients/secrets");
    const base = {
      v: 1 as const,
      client_id: "hs-broken",
      token_endpoint_auth_method: "client_secret_basic" as const,
      redirect_uris: [DEMO_REDIRECT],
      grant_types: ["authorization_code" as const],
      response_types: ["code" as const],
      scope: "openid",
      skip_consent: true,
      id_token_signed_response_alg: "HS256" as const,
    };
    const fields = await secretFields(env, base, "a-secret-of-enough-length-for-hs256-000");
    await saveClient(env, { ...base, client_secret_hash: fields.client_secret_hash });
    const auth = basic("hs-broken", "a-secret-of-enough-length-for-hs256-000");
    const code = await codeFor(new Browser(), { client_id: "hs-broken", scope: "openid" });
    const broken = await redeem(code, {}, auth);
    expect(broken.status).toBe(500);
    expect((await broken.json<{ error: string }>()).error).toBe("server_error");
    await saveClient(env, { ...base, ...fields });
    expect((await redeem(code, {}, auth)).status).toBe(200);
  });
});

describe("request size", () => {
  it("a body over 64 KiB is refused with 413 invalid_request, streamed or not", async () => {
    const big = `grant_type=client_credentials&pad=${"a".repeat(70 * 1024)}`;
    const res = await tokenRequest(
      { grant_type: "client_credentials", pad: "a".repeat(70 * 1024) },
      basic("demo-service", "demo-service-secret"),
    );
    expect(res.status).toBe(413);
    expect((await res.json<{ error: string }>()).error).toBe("invalid_request");
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await exports.default.fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basic("demo-service", "demo-service-secret"),
      },
      body: stream,
    });
    expect(streamed.status).toBe(413);
  });
});
