// DPoP-bound access tokens at an API (RFC 9449 §7): requireAccessToken and verifyRequest against a stand-in
// issuer minting tokens with cnf.jkt, and real proofs (jose, and oauth4webapi's own DPoP client).
import { Hono } from "hono";
import * as oauth from "oauth4webapi";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  AccessTokenError,
  MemoryReplayStore,
  dpopNonce,
  errorResponse,
  requireAccessToken,
  verifyAccessToken,
  verifyRequest,
  type AccessTokenVariables,
  type DpopOptions,
  type DpopReplayStore,
  type RequireAccessTokenOptions,
} from "../../src/resource";
import { DpopClient } from "./dpop-client";
import { DPOP_ALGS, FakeIssuer, testClock, type IssuedKey } from "./fake-issuer";

const URL_ME = "https://api.example/me";
const BEARER = 'Bearer realm="weather"';
const DPOP = `DPoP realm="weather", algs="${DPOP_ALGS}"`;

let clock: { now: number };
let issuer: FakeIssuer;
let key: IssuedKey;
let client: DpopClient;
let replay: MemoryReplayStore;

function options(dpop: DpopOptions = {}): RequireAccessTokenOptions {
  return {
    issuer: issuer.issuer,
    audience: issuer.audience,
    scopes: ["weather"],
    realm: "weather",
    fetcher: issuer,
    cache: false,
    now: () => clock.now,
    introspection: { clientId: "api", clientSecret: "secret" },
    dpop: { replay, ...dpop },
  };
}

function appWith(opts: RequireAccessTokenOptions): Hono<{ Variables: AccessTokenVariables }> {
  const hono = new Hono<{ Variables: AccessTokenVariables }>();
  hono.use(requireAccessToken(opts));
  hono.all("/me", (c) => c.json({ sub: c.get("accessToken").sub, jkt: c.get("accessToken").jkt }));
  return hono;
}

let app: Hono<{ Variables: AccessTokenVariables }>;

beforeEach(async () => {
  clock = testClock();
  ({ issuer, key } = await FakeIssuer.create(clock));
  client = await DpopClient.create(clock);
  replay = new MemoryReplayStore(() => clock.now);
  app = appWith(options());
});

/** A JWT access token bound to the client's key (RFC 9449 §6.1 cnf.jkt). */
const boundToken = (jkt = client.jkt) => issuer.token(key, { cnf: { jkt } });

function call(headers: [string, string][], init: { method?: string; url?: string } = {}): Promise<Response> {
  const h = new Headers();
  for (const [name, value] of headers) h.append(name, value);
  return Promise.resolve(app.request(init.url ?? URL_ME, { method: init.method ?? "GET", headers: h }));
}

async function dpopCall(token: string, proof?: string): Promise<Response> {
  return call([
    ["authorization", `DPoP ${token}`],
    ["dpop", proof ?? (await client.proof("GET", URL_ME, token))],
  ]);
}

/** 401 with the error in the DPoP challenge (the request used DPoP), the Bearer one bare (§7.1, §7.2). */
async function expectDpopError(res: Response, error: string, description: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(
    `${BEARER}, DPoP realm="weather", error="${error}", error_description="${description}", algs="${DPOP_ALGS}"`,
  );
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ error, error_description: description });
}

describe("DPoP-bound access tokens (RFC 9449 §7.1)", () => {
  it("a bound token with a valid proof reaches the handler, with the key on the claims", async () => {
    const res = await dpopCall(await boundToken());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1", jkt: client.jkt });
  });

  it("the DPoP scheme is case-insensitive, and the method and URL are the request's own", async () => {
    const token = await boundToken();
    const url = "https://api.example/me?zipcode=90210";
    // §4.3 item 9: htu is compared without the query.
    const proof = await client.proof("POST", "https://api.example/me", token);
    const res = await call(
      [
        ["authorization", `dpop ${token}`],
        ["dpop", proof],
      ],
      { method: "POST", url },
    );
    expect(res.status).toBe(200);
  });

  it("an opaque bound token (introspection token_type DPoP, cnf.jkt, §6.2) is accepted with its proof", async () => {
    const token = issuer.opaqueToken({ token_type: "DPoP", cnf: { jkt: client.jkt } });
    expect((await dpopCall(token)).status).toBe(200);
    // §7.2: the same token presented as a bearer token is refused.
    await expectBearerError(
      await call([["authorization", `Bearer ${token}`]]),
      "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
    );
  });

  it("an introspection answer with token_type DPoP but no cnf.jkt, or another type: 401 invalid_token", async () => {
    for (const answer of [{ token_type: "DPoP" }, { token_type: "N_A", cnf: { jkt: client.jkt } }]) {
      const token = issuer.opaqueToken(answer);
      await expectDpopError(
        await dpopCall(token),
        "invalid_token",
        "the access token is neither a bearer nor a DPoP token",
      );
    }
  });

  it("oauth4webapi's DPoP client gets through, and parses the challenges of a refusal", async () => {
    const keyPair = await generateKeyPair("ES256");
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), "sha256");
    const token = await boundToken(jkt);
    const fetcher = (url: string, init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) =>
      Promise.resolve(app.request(url, { method: init.method, headers: init.headers }));
    const send = (accessToken: string) =>
      oauth.protectedResourceRequest(accessToken, "GET", new URL(URL_ME), new Headers(), null, {
        DPoP: oauth.DPoP({}, keyPair),
        [oauth.customFetch]: fetcher,
      });
    expect((await send(token)).status).toBe(200);
    const refused = await send(await boundToken()).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect((refused as oauth.WWWAuthenticateChallengeError).cause).toEqual([
      { scheme: "bearer", parameters: { realm: "weather" } },
      {
        scheme: "dpop",
        parameters: {
          realm: "weather",
          error: "invalid_token",
          error_description: "the DPoP proof is not signed by the key the access token is bound to",
          algs: DPOP_ALGS,
        },
      },
    ]);
  });

  it("no proof, an empty one, or two: 401 invalid_dpop_proof (§4.3 item 1)", async () => {
    const token = await boundToken();
    await expectDpopError(
      await call([["authorization", `DPoP ${token}`]]),
      "invalid_dpop_proof",
      "the request has no DPoP proof",
    );
    await expectDpopError(
      await dpopCall(token, "not-a-jwt"),
      "invalid_dpop_proof",
      "the DPoP proof is not a valid signed JWT",
    );
    const proof = await client.proof("GET", URL_ME, token);
    await expectDpopError(
      await call([
        ["authorization", `DPoP ${token}`],
        ["dpop", proof],
        ["dpop", await client.proof("GET", URL_ME, token)],
      ]),
      "invalid_dpop_proof",
      "the request has more than one DPoP proof",
    );
  });

  it("a proof for another method or URL: 401 invalid_dpop_proof (§4.3 items 8, 9)", async () => {
    const token = await boundToken();
    await expectDpopError(
      await dpopCall(token, await client.proof("GET", URL_ME, token, { htm: "POST" })),
      "invalid_dpop_proof",
      "the DPoP proof's htm does not match the request method",
    );
    for (const htu of ["https://api.example/other", "https://other.example/me", "http://api.example/me"]) {
      await expectDpopError(
        await dpopCall(token, await client.proof("GET", URL_ME, token, { htu })),
        "invalid_dpop_proof",
        "the DPoP proof's htu does not match the request URI",
      );
    }
  });

  it("ath wrong or missing: 401 invalid_dpop_proof (§4.3 item 12, §7.1)", async () => {
    const token = await boundToken();
    const other = await boundToken();
    for (const overrides of [{ accessToken: other }, { accessToken: null }, { ath: "" }]) {
      await expectDpopError(
        await dpopCall(token, await client.proof("GET", URL_ME, token, overrides)),
        "invalid_dpop_proof",
        "the DPoP proof's ath does not match the access token",
      );
    }
  });

  it("a proof whose iat is outside the window, either way: 401 invalid_dpop_proof (§4.3 item 11)", async () => {
    const token = await boundToken();
    for (const iat of [clock.now - 61, clock.now + 61]) {
      await expectDpopError(
        await dpopCall(token, await client.proof("GET", URL_ME, token, { iat })),
        "invalid_dpop_proof",
        "the DPoP proof's iat is outside the window",
      );
    }
    // At the edge of the default 60 s window it still passes; a narrower window refuses it.
    expect((await dpopCall(token, await client.proof("GET", URL_ME, token, { iat: clock.now - 60 }))).status).toBe(200);
    app = appWith(options({ windowSeconds: 10 }));
    await expectDpopError(
      await dpopCall(token, await client.proof("GET", URL_ME, token, { iat: clock.now - 11 })),
      "invalid_dpop_proof",
      "the DPoP proof's iat is outside the window",
    );
  });

  it("a proof with another typ or an algorithm the API does not take: 401 invalid_dpop_proof", async () => {
    const token = await boundToken();
    await expectDpopError(
      await dpopCall(token, await client.proof("GET", URL_ME, token, { typ: "JWT" })),
      "invalid_dpop_proof",
      "the DPoP proof's typ must be dpop+jwt",
    );
    app = appWith(options({ algorithms: ["EdDSA"] }));
    const res = await dpopCall(token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `${BEARER}, DPoP realm="weather", error="invalid_dpop_proof", error_description="the DPoP proof's algorithm is not supported", algs="EdDSA"`,
    );
  });

  it("a proof signed by another key than the token is bound to: 401 invalid_token (§7.1)", async () => {
    const other = await DpopClient.create(clock);
    const token = await boundToken(other.jkt);
    await expectDpopError(
      await dpopCall(token),
      "invalid_token",
      "the DPoP proof is not signed by the key the access token is bound to",
    );
  });

  it("a replayed proof: 401 invalid_dpop_proof, also for another request it would otherwise fit (§11.1)", async () => {
    const token = await boundToken();
    const proof = await client.proof("GET", URL_ME, token);
    expect((await dpopCall(token, proof)).status).toBe(200);
    await expectDpopError(await dpopCall(token, proof), "invalid_dpop_proof", "the DPoP proof was used before");
    // The same jti in a new proof is the same proof as far as replay goes.
    const again = await client.proof("GET", URL_ME, token, { jti: "fixed" });
    expect((await dpopCall(token, again)).status).toBe(200);
    await expectDpopError(
      await dpopCall(token, await client.proof("GET", URL_ME, token, { jti: "fixed" })),
      "invalid_dpop_proof",
      "the DPoP proof was used before",
    );
  });

  it("a refused request does not use up its proof: only accepted proofs are remembered", async () => {
    const token = await boundToken();
    const proof = await client.proof("GET", URL_ME, token);
    issuer.failWith = 500;
    expect((await dpopCall(token, proof)).status).toBe(503);
    issuer.failWith = undefined;
    clock.now += 31; // past the cool-down after the failed fetch, still inside the proof's window
    expect((await dpopCall(token, proof)).status).toBe(200);
  });

  it("a bound token presented as a bearer token: 401 invalid_token (§7.2 MUST NOT accept)", async () => {
    const token = await boundToken();
    await expectBearerError(
      await call([["authorization", `Bearer ${token}`]]),
      "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
    );
    // With a valid proof alongside, still a bearer presentation.
    await expectBearerError(
      await call([
        ["authorization", `Bearer ${token}`],
        ["dpop", await client.proof("GET", URL_ME, token)],
      ]),
      "the access token is DPoP-bound: present it with the DPoP scheme and a proof",
    );
    // verifyAccessToken takes bearer tokens only, so it refuses bound ones too.
    await expect(verifyAccessToken(token, options())).rejects.toMatchObject({ code: "ERR_TOKEN_BOUND_AS_BEARER" });
  });

  it("an unbound token under the DPoP scheme: 401 invalid_token", async () => {
    const token = await issuer.token(key);
    await expectDpopError(
      await dpopCall(token),
      "invalid_token",
      "the access token is not DPoP-bound: present it as a bearer token",
    );
    expect((await call([["authorization", `Bearer ${token}`]])).status).toBe(200);
  });

  it("a cnf.jkt that is not a string: 401 invalid_token, under either scheme", async () => {
    // A cnf without jkt (an mTLS binding) cannot be checked here, so it is no bearer token either.
    for (const cnf of [{ jkt: 5 }, { jkt: "" }, "jkt", { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" }]) {
      const token = await issuer.token(key, { cnf });
      await expectDpopError(await dpopCall(token), "invalid_token", "the access token's cnf claim is malformed");
      await expectBearerError(
        await call([["authorization", `Bearer ${token}`]]),
        "the access token's cnf claim is malformed",
      );
    }
  });

  it("a DPoP scheme without a token, or with one too long to be a token: 401 invalid_token", async () => {
    for (const token of ["", "a".repeat(8193)]) {
      await expectDpopError(
        await call([
          ["authorization", `DPoP ${token}`],
          ["dpop", await client.proof("GET", URL_ME, token)],
        ]),
        "invalid_token",
        "the access token is malformed",
      );
    }
  });

  it("an expired bound token: the token error, in the DPoP challenge", async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt }, exp: clock.now - 60 });
    await expectDpopError(await dpopCall(token), "invalid_token", "the access token expired");
  });

  it("a bound token lacking the scope: 403 insufficient_scope in the DPoP challenge", async () => {
    const token = await issuer.token(key, { cnf: { jkt: client.jkt }, scope: "read" });
    const res = await dpopCall(token);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(
      `${BEARER}, DPoP realm="weather", error="insufficient_scope", error_description="the access token lacks the weather scope", scope="weather", algs="${DPOP_ALGS}"`,
    );
  });

  it("no credentials at all: 401 with both bare challenges, DPoP naming its algs (§7.2)", async () => {
    for (const res of [await call([]), await call([["authorization", "Basic YTpi"]])]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(`${BEARER}, ${DPOP}`);
      expect(await res.text()).toBe("");
    }
  });

  it("the replay store failing: 503, no challenge, and nothing about the store's insides", async () => {
    const broken: DpopReplayStore = { use: () => Promise.reject(new Error("storage exploded")) };
    app = appWith(options({ replay: broken }));
    const res = await dpopCall(await boundToken());
    expect(res.status).toBe(503);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(await res.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "the DPoP proof could not be checked for replay; try again later",
    });
  });
});

describe("dpop.mode", () => {
  it('"required": a bearer token is refused, and the challenges are DPoP only', async () => {
    app = appWith(options({ mode: "required" }));
    const bearer = await call([["authorization", `Bearer ${await issuer.token(key)}`]]);
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toBe(
      `DPoP realm="weather", error="invalid_token", error_description="this API takes DPoP-bound access tokens only", algs="${DPOP_ALGS}"`,
    );
    expect((await call([])).headers.get("www-authenticate")).toBe(DPOP);
    expect((await dpopCall(await boundToken())).status).toBe(200);
    const noProof = await call([["authorization", `DPoP ${await boundToken()}`]]);
    expect(noProof.headers.get("www-authenticate")).toBe(
      `DPoP realm="weather", error="invalid_dpop_proof", error_description="the request has no DPoP proof", algs="${DPOP_ALGS}"`,
    );
  });

  it('"off": the DPoP scheme is unknown (a bare Bearer challenge), bound tokens are refused as bearer tokens', async () => {
    app = appWith(options({ mode: "off" }));
    const dpop = await dpopCall(await boundToken());
    expect(dpop.status).toBe(401);
    expect(dpop.headers.get("www-authenticate")).toBe(BEARER);
    const bound = await call([["authorization", `Bearer ${await boundToken()}`]]);
    expect(bound.headers.get("www-authenticate")).toBe(
      `${BEARER}, error="invalid_token", error_description="the access token is DPoP-bound: present it with the DPoP scheme and a proof"`,
    );
    expect((await call([["authorization", `Bearer ${await issuer.token(key)}`]])).status).toBe(200);
  });

  it("invalid dpop options are a TypeError, never a quiet default", async () => {
    const token = await issuer.token(key);
    const request = new Request(URL_ME, { headers: { authorization: `Bearer ${token}` } });
    const bad: unknown[] = [
      { mode: "sometimes" },
      { algorithms: [] },
      { algorithms: ["HS256"] },
      { algorithms: ["none"] },
      { windowSeconds: 0 },
      { windowSeconds: 301 },
      { windowSeconds: Number.NaN },
    ];
    for (const dpop of bad) {
      await expect(verifyRequest(request, { ...options(), dpop: dpop as DpopOptions })).rejects.toThrow(TypeError);
    }
  });
});

describe("dpop.nonce (RFC 9449 §9)", () => {
  const SECRET = "a nonce secret of at least thirty-two characters";

  beforeEach(() => {
    app = appWith(options({ nonce: { secret: SECRET, lifetimeSeconds: 60 } }));
  });

  /** 401 use_dpop_nonce with the nonce to retry with; returns the nonce. */
  async function expectNonceChallenge(res: Response): Promise<string> {
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `${BEARER}, DPoP realm="weather", error="use_dpop_nonce", error_description="this API requires a current DPoP nonce", algs="${DPOP_ALGS}"`,
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    const nonce = res.headers.get("dpop-nonce");
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return nonce ?? "";
  }

  it("a proof without a nonce gets one (401 use_dpop_nonce, DPoP-Nonce); with it, 200 and the nonce again", async () => {
    const token = await boundToken();
    const nonce = await expectNonceChallenge(await dpopCall(token));
    const res = await dpopCall(token, await client.proof("GET", URL_ME, token, { nonce }));
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBe(nonce);
    expect(await dpopNonce(options({ nonce: { secret: SECRET, lifetimeSeconds: 60 } }))).toBe(nonce);
  });

  it("the previous lifetime's nonce is still accepted, an older or a made-up one is not", async () => {
    const token = await boundToken();
    const nonce = await expectNonceChallenge(await dpopCall(token));
    expect(
      await expectNonceChallenge(await dpopCall(token, await client.proof("GET", URL_ME, token, { nonce: "x" }))),
    ).toBe(nonce);
    clock.now += 60;
    const fresh = await boundToken();
    const res = await dpopCall(fresh, await client.proof("GET", URL_ME, fresh, { nonce }));
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).not.toBe(nonce);
    clock.now += 60;
    const newer = await boundToken();
    expect(
      await expectNonceChallenge(await dpopCall(newer, await client.proof("GET", URL_ME, newer, { nonce }))),
    ).not.toBe(nonce);
  });

  it("a nonce does not excuse anything else: a replayed proof with a good nonce is still refused", async () => {
    const token = await boundToken();
    const nonce = await expectNonceChallenge(await dpopCall(token));
    const proof = await client.proof("GET", URL_ME, token, { nonce });
    expect((await dpopCall(token, proof)).status).toBe(200);
    await expectDpopError(await dpopCall(token, proof), "invalid_dpop_proof", "the DPoP proof was used before");
  });

  it("is the API's own: another API sharing the secret gives out a different nonce", async () => {
    const here = await dpopNonce(options({ nonce: { secret: SECRET, lifetimeSeconds: 60 } }));
    const there = await dpopNonce({
      ...options({ nonce: { secret: SECRET, lifetimeSeconds: 60 } }),
      audience: "urn:example:another-api",
    });
    expect(here).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(there).not.toBe(here);
    const token = await boundToken();
    const refused = await dpopCall(token, await client.proof("GET", URL_ME, token, { nonce: there ?? "" }));
    expect(await expectNonceChallenge(refused)).toBe(here);
  });

  it("bearer requests are not asked for nonces", async () => {
    const res = await call([["authorization", `Bearer ${await issuer.token(key)}`]]);
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBeNull();
  });

  it("oauth4webapi's client retries with the nonce it was given", async () => {
    const keyPair = await generateKeyPair("ES256");
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), "sha256");
    const token = await boundToken(jkt);
    const handle = oauth.DPoP({}, keyPair);
    const send = () =>
      oauth.protectedResourceRequest(token, "GET", new URL(URL_ME), new Headers(), null, {
        DPoP: handle,
        [oauth.customFetch]: (url, init) =>
          Promise.resolve(app.request(url, { method: init.method, headers: init.headers })),
      });
    const first = await send().catch((err: unknown) => err);
    expect(oauth.isDPoPNonceError(first)).toBe(true);
    expect((await send()).status).toBe(200);
  });

  it("without dpop.nonce there is no nonce; a short secret or lifetime out of bounds is a TypeError", async () => {
    expect(await dpopNonce(options())).toBeUndefined();
    for (const nonce of [
      { secret: "short" },
      { secret: SECRET, lifetimeSeconds: 29 },
      { secret: SECRET, lifetimeSeconds: 3601 },
    ]) {
      await expect(dpopNonce(options({ nonce }))).rejects.toThrow(TypeError);
    }
  });
});

describe("verifyRequest and errorResponse outside Hono", () => {
  it("verifies a Request, and answers a refusal with the challenges of the options", async () => {
    const token = await boundToken();
    const proof = await client.proof("DELETE", URL_ME, token);
    const request = new Request(URL_ME, { method: "DELETE", headers: { authorization: `DPoP ${token}`, dpop: proof } });
    await expect(verifyRequest(request, options())).resolves.toMatchObject({ jkt: client.jkt, sub: "user-1" });
    const err = await verifyRequest(request, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessTokenError);
    expect(err).toMatchObject({ code: "ERR_DPOP_REPLAYED", scheme: "DPoP", status: 401, error: "invalid_dpop_proof" });
    const res = errorResponse(err as AccessTokenError, options());
    expect(res.headers.get("www-authenticate")).toBe(
      `${BEARER}, DPoP realm="weather", error="invalid_dpop_proof", error_description="the DPoP proof was used before", algs="${DPOP_ALGS}"`,
    );
    // A realm string alone is the bearer-only answer verifyAccessToken's callers always had.
    const bearerErr = await verifyAccessToken(token, options()).catch((e: unknown) => e);
    expect(errorResponse(bearerErr as AccessTokenError, "weather").headers.get("www-authenticate")).toBe(
      'Bearer realm="weather", error="invalid_token", error_description="the access token is DPoP-bound: present it with the DPoP scheme and a proof"',
    );
  });

  it("error codes: each DPoP failure has its own, answered as the table says", async () => {
    const token = await boundToken();
    const codes = async (request: Request, dpop: DpopOptions = {}) =>
      verifyRequest(request, options(dpop)).then(
        () => "accepted",
        (err: unknown) => (err instanceof AccessTokenError ? err.code : String(err)),
      );
    const req = (authorization: string, proof?: string) =>
      new Request(URL_ME, { headers: proof ? { authorization, dpop: proof } : { authorization } });
    expect(await codes(req(`DPoP ${token}`))).toBe("ERR_DPOP_PROOF_INVALID");
    expect(await codes(req(`Bearer ${token}`))).toBe("ERR_TOKEN_BOUND_AS_BEARER");
    expect(await codes(req(`Bearer ${await issuer.token(key)}`), { mode: "required" })).toBe("ERR_DPOP_REQUIRED");
    expect(await codes(req(`DPoP ${token}`, await client.proof("GET", URL_ME, token)), { mode: "off" })).toBe(
      "ERR_TOKEN_MISSING",
    );
    const unbound = await issuer.token(key);
    expect(await codes(req(`DPoP ${unbound}`, await client.proof("GET", URL_ME, unbound)))).toBe("ERR_TOKEN_NOT_BOUND");
    const foreign = await boundToken("x".repeat(43));
    expect(await codes(req(`DPoP ${foreign}`, await client.proof("GET", URL_ME, foreign)))).toBe(
      "ERR_DPOP_KEY_MISMATCH",
    );
  });
});

describe("MemoryReplayStore", () => {
  it("answers true once per key until its time, and forgets it after", async () => {
    const store = new MemoryReplayStore(() => clock.now);
    expect(await store.use("a", clock.now + 10)).toBe(true);
    expect(await store.use("a", clock.now + 10)).toBe(false);
    clock.now += 11;
    expect(await store.use("a", clock.now + 10)).toBe(true);
  });

  it("is bounded: past its capacity the oldest keys go first", async () => {
    const store = new MemoryReplayStore(() => clock.now, 3);
    for (const key of ["a", "b", "c", "d"]) expect(await store.use(key, clock.now + 60)).toBe(true);
    expect(await store.use("a", clock.now + 60)).toBe(true);
    expect(await store.use("d", clock.now + 60)).toBe(false);
  });
});

async function expectBearerError(res: Response, description: string): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(
    `${BEARER}, error="invalid_token", error_description="${description}", ${DPOP}`,
  );
  expect(await res.json()).toEqual({ error: "invalid_token", error_description: description });
}
