// requireAccessToken in a Hono app: the exact RFC 6750 answers, and the claims on the context.
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { requireAccessToken, type AccessTokenVariables, type RequireAccessTokenOptions } from "../../src/resource";
import { DPOP_ALGS, FakeIssuer, testClock, type IssuedKey } from "./fake-issuer";

let clock: { now: number };
let issuer: FakeIssuer;
let key: IssuedKey;
let app: Hono<{ Variables: AccessTokenVariables }>;

function appWith(options: RequireAccessTokenOptions): Hono<{ Variables: AccessTokenVariables }> {
  const hono = new Hono<{ Variables: AccessTokenVariables }>();
  hono.use(requireAccessToken(options));
  hono.get("/me", (c) => c.json({ sub: c.get("accessToken").sub, scopes: c.get("accessToken").scopes }));
  return hono;
}

beforeEach(async () => {
  clock = testClock();
  ({ issuer, key } = await FakeIssuer.create(clock));
  app = appWith({
    issuer: issuer.issuer,
    audience: issuer.audience,
    scopes: ["weather"],
    realm: "weather",
    fetcher: issuer,
    cache: false,
    now: () => clock.now,
    introspection: { clientId: "api", clientSecret: "secret" },
  });
});

const get = (authorization?: string) =>
  app.request("/me", authorization === undefined ? {} : { headers: { authorization } });

/** The bare DPoP challenge that follows the Bearer one: the API takes both schemes (RFC 9449 §7.2). */
const DPOP_CHALLENGE = `DPoP realm="weather", algs="${DPOP_ALGS}"`;

async function expectInvalidToken(res: Response, description: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(
    `Bearer realm="weather", error="invalid_token", error_description="${description}", ${DPOP_CHALLENGE}`,
  );
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ error: "invalid_token", error_description: description });
}

describe("requireAccessToken", () => {
  it("a valid token reaches the handler with its claims on the context", async () => {
    const res = await get(`Bearer ${await issuer.token(key)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1", scopes: ["weather", "read"] });
  });

  it("the Bearer scheme is case-insensitive (RFC 7235 §2.1)", async () => {
    expect((await get(`bearer ${await issuer.token(key)}`)).status).toBe(200);
  });

  it("no token: 401 with a bare challenge and no error (RFC 6750 §3.1)", async () => {
    for (const res of [
      await get(),
      await get("Basic ZGVtbzpkZW1vLXNlY3JldA=="),
      await app.request("/me?access_token=abc"),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="weather", ${DPOP_CHALLENGE}`);
      expect(await res.text()).toBe("");
    }
  });

  it("a malformed token: 401 invalid_token", async () => {
    await expectInvalidToken(await get("Bearer"), "the access token is malformed");
    await expectInvalidToken(await get("Bearer not a token"), "the access token is malformed");
    await expectInvalidToken(await get("Bearer a.b.c"), "the access token is malformed");
  });

  it("a token whose header kid is an object: 401 invalid_token, not a 500", async () => {
    await get(`Bearer ${await issuer.token(key)}`); // the key cache is warm: the hot path reads the kid first
    const enc = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const header = enc({ alg: "RS256", typ: "at+jwt", kid: { toString: 0 } });
    const payload = enc({
      iss: issuer.issuer,
      sub: "u",
      aud: issuer.audience,
      exp: clock.now + 60,
      iat: clock.now,
      jti: "j",
      client_id: "c",
    });
    await expectInvalidToken(await get(`Bearer ${header}.${payload}.AAAA`), "the access token's kid is not a string");
  });

  it("an expired token: 401 invalid_token", async () => {
    await expectInvalidToken(
      await get(`Bearer ${await issuer.token(key, { exp: clock.now - 60 })}`),
      "the access token expired",
    );
  });

  it("a forged token: 401 invalid_token", async () => {
    const token = await issuer.token(key);
    const forged = token.replace(/\.[^.]+\./, `.${btoa(JSON.stringify({ sub: "admin" })).replace(/=+$/, "")}.`);
    await expectInvalidToken(await get(`Bearer ${forged}`), "the access token's signature is invalid");
  });

  it("a token for another API: 401 invalid_token (RFC 9068 §4), even when it lacks the scope too", async () => {
    await expectInvalidToken(
      await get(`Bearer ${await issuer.token(key, { aud: "https://other.example", scope: "read" })}`),
      "the access token is not meant for this API",
    );
  });

  it("a revoked opaque token: 401 invalid_token", async () => {
    const token = issuer.opaqueToken();
    issuer.revoke(token);
    await expectInvalidToken(await get(`Bearer ${token}`), "the access token is not active");
  });

  it("a token without the needed scope: 403 insufficient_scope with the scope in the challenge", async () => {
    const res = await get(`Bearer ${await issuer.token(key, { scope: "read" })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="weather", error="insufficient_scope", error_description="the access token lacks the weather scope", scope="weather", ${DPOP_CHALLENGE}`,
    );
    expect(await res.json()).toEqual({
      error: "insufficient_scope",
      error_description: "the access token lacks the weather scope",
    });
  });

  it("the issuer unreachable: 503 without a challenge", async () => {
    issuer.failWith = 500;
    const res = await get(`Bearer ${await issuer.token(key)}`);
    expect(res.status).toBe(503);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ error: "temporarily_unavailable" });
  });

  it("without a realm the challenges are plain", async () => {
    const plain = appWith({
      issuer: issuer.issuer,
      audience: issuer.audience,
      fetcher: issuer,
      cache: false,
      now: () => clock.now,
    });
    expect((await plain.request("/me")).headers.get("www-authenticate")).toBe(`Bearer, DPoP algs="${DPOP_ALGS}"`);
    const res = await plain.request("/me", { headers: { authorization: "Bearer x.y.z" } });
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer error="invalid_token", error_description="the access token is malformed", DPoP algs="${DPOP_ALGS}"`,
    );
  });

  it("options can come from the context (c.env), e.g. a service binding", async () => {
    type E = { Bindings: { ISSUER: string; AUTH: FakeIssuer }; Variables: AccessTokenVariables };
    const hono = new Hono<E>();
    hono.use(
      requireAccessToken<E>((c) => ({
        issuer: c.env.ISSUER,
        audience: issuer.audience,
        fetcher: c.env.AUTH,
        cache: false,
        now: () => clock.now,
      })),
    );
    hono.get("/", (c) => c.text(c.get("accessToken").client_id ?? ""));
    const env = { ISSUER: issuer.issuer, AUTH: issuer };
    for (let i = 0; i < 3; i++) {
      const res = await hono.request("/", { headers: { authorization: `Bearer ${await issuer.token(key)}` } }, env);
      expect(await res.text()).toBe("client-1");
    }
    // A new options object on every request still shares the metadata and keys fetched by the first.
    expect(issuer.calls).toMatchObject({ discovery: 1, jwks: 1 });
  });
});
