// Opaque access tokens through RFC 7662 introspection, and the short positive/negative cache of answers.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { verifyAccessToken, type VerifyAccessTokenOptions } from "../../src/resource";
import { FakeIssuer, testClock } from "./fake-issuer";

let clock: { now: number };
let issuer: FakeIssuer;
let options: VerifyAccessTokenOptions;

beforeEach(async () => {
  clock = testClock();
  ({ issuer } = await FakeIssuer.create(clock));
  options = {
    issuer: issuer.issuer,
    audience: issuer.audience,
    fetcher: issuer,
    cache: false,
    now: () => clock.now,
    introspection: { clientId: "api client", clientSecret: "s3cret:&=" },
  };
});

const verify = (token: string, opts = options) => verifyAccessToken(token, opts);

describe("opaque tokens through introspection (RFC 7662)", () => {
  it("an active token is accepted with the claims the issuer returned", async () => {
    const token = issuer.opaqueToken({ scope: "weather", client_id: "svc", sub: "svc" });
    await expect(verify(token)).resolves.toMatchObject({
      format: "opaque",
      iss: issuer.issuer,
      sub: "svc",
      client_id: "svc",
      aud: [issuer.audience],
      scopes: ["weather"],
    });
  });

  it("asks with client_secret_basic (form-urlencoded id and secret) and a form body with the token", async () => {
    const token = issuer.opaqueToken();
    await verify(token);
    const [call] = issuer.introspectionCalls;
    // RFC 6749 §2.3.1: "api client" and "s3cret:&=" are form-urlencoded before base64.
    expect(call?.authorization).toBe(`Basic ${btoa("api+client:s3cret%3A%26%3D")}`);
    expect(call?.contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(call?.form ?? [])).toEqual({ token, token_type_hint: "access_token" });
    // The metadata told us where the endpoint is; the request went through the service binding.
    expect(issuer.calls).toMatchObject({ discovery: 1, introspection: 1, other: 0 });
  });

  it("an unknown or revoked token is 401 invalid_token", async () => {
    await expect(verify(`${"ab".repeat(32)}.${"A".repeat(43)}`)).rejects.toMatchObject({
      code: "ERR_TOKEN_INACTIVE",
      status: 401,
      error: "invalid_token",
    });
  });

  it("caches an active answer briefly (default 30 s): a revocation shows once it runs out", async () => {
    const token = issuer.opaqueToken();
    await verify(token);
    await verify(token);
    expect(issuer.calls.introspection).toBe(1);
    issuer.revoke(token);
    clock.now += 29;
    await expect(verify(token)).resolves.toBeTruthy();
    expect(issuer.calls.introspection).toBe(1);
    clock.now += 1;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE" });
    expect(issuer.calls.introspection).toBe(2);
  });

  it("never reuses an active answer past the token's exp", async () => {
    const token = issuer.opaqueToken({ exp: clock.now + 5 });
    await verify(token, { ...options, clockToleranceSeconds: 0 });
    clock.now += 5;
    await expect(verify(token, { ...options, clockToleranceSeconds: 0 })).rejects.toMatchObject({
      code: "ERR_TOKEN_EXPIRED",
    });
  });

  it("caches an inactive answer briefly (default 10 s), then asks again", async () => {
    const token = `${"cd".repeat(32)}.${"B".repeat(43)}`;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE" });
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE" });
    expect(issuer.calls.introspection).toBe(1);
    clock.now += 10;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE" });
    expect(issuer.calls.introspection).toBe(2);
  });

  it("cache lifetimes are configurable; 0 asks every time", async () => {
    const token = issuer.opaqueToken();
    const uncached = {
      ...options,
      introspection: { clientId: "a", clientSecret: "b", cacheSeconds: 0, negativeCacheSeconds: 0 },
    };
    await verify(token, uncached);
    await verify(token, uncached);
    expect(issuer.calls.introspection).toBe(2);
  });

  it("concurrent requests with the same token share one introspection call", async () => {
    const token = issuer.opaqueToken();
    await Promise.all(Array.from({ length: 25 }, () => verify(token)));
    expect(issuer.calls.introspection).toBe(1);
  });

  it("refuses an active answer for another audience, another issuer, or a non-bearer token", async () => {
    await expect(verify(issuer.opaqueToken({ aud: "https://other.example" }))).rejects.toMatchObject({
      code: "ERR_TOKEN_WRONG_AUDIENCE",
      status: 401,
    });
    await expect(verify(issuer.opaqueToken({ aud: undefined }))).rejects.toMatchObject({
      code: "ERR_TOKEN_WRONG_AUDIENCE",
    });
    await expect(verify(issuer.opaqueToken({ iss: "https://evil.example" }))).rejects.toMatchObject({
      code: "ERR_TOKEN_WRONG_ISSUER",
    });
    await expect(verify(issuer.opaqueToken({ token_type: "DPoP" }))).rejects.toMatchObject({
      code: "ERR_TOKEN_WRONG_TYPE",
    });
  });

  it("checks the required scopes of an opaque token (403)", async () => {
    const token = issuer.opaqueToken({ scope: "read" });
    await expect(verify(token, { ...options, scopes: ["weather"] })).rejects.toMatchObject({
      code: "ERR_INSUFFICIENT_SCOPE",
      status: 403,
      requiredScopes: ["weather"],
    });
  });

  it("without introspection credentials, an opaque token is refused without any request", async () => {
    const { introspection: _, ...jwtOnly } = options;
    await expect(verify(issuer.opaqueToken(), jwtOnly)).rejects.toMatchObject({
      code: "ERR_TOKEN_OPAQUE_NOT_ACCEPTED",
      status: 401,
    });
    expect(issuer.calls).toMatchObject({ discovery: 0, introspection: 0 });
  });

  it("an introspection endpoint that fails is 503, and the failure is not cached", async () => {
    const token = issuer.opaqueToken();
    await verify(`${"ef".repeat(32)}.${"C".repeat(43)}`).catch(() => undefined); // metadata now cached
    issuer.failWith = 500;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE", status: 503 });
    issuer.failWith = undefined;
    await expect(verify(token)).resolves.toBeTruthy();
  });

  it("a discovered introspection_endpoint on another origin is refused: the client secret never goes there (RFC 7662 §4)", async () => {
    issuer.metadataOverrides = { introspection_endpoint: "https://introspect.elsewhere.example/introspect" };
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () =>
      Response.json({
        active: true,
        aud: issuer.audience,
        iss: issuer.issuer,
        token_type: "Bearer",
        scope: "weather",
      }),
    );
    try {
      await expect(verify(issuer.opaqueToken())).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE", status: 503 });
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("uses a configured endpoint without discovery", async () => {
    const direct = {
      ...options,
      introspection: { clientId: "a", clientSecret: "b", endpoint: `${issuer.issuer}/introspect` },
    };
    await verify(issuer.opaqueToken(), direct);
    expect(issuer.calls).toMatchObject({ discovery: 0, introspection: 1 });
  });
});
