// The JWKS and metadata caches: isolate memory and the Workers Cache API, Cache-Control, rotation with an
// unknown kid, single-flight refetch and its cool-down, stale-if-error. The FakeIssuer counts every request.
import { createRemoteJWKSet, customFetch } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearIsolateDocuments } from "../../src/resource/document";
import { readShared, sharedKey, writeShared } from "../../src/resource/shared-cache";
import { verifyAccessToken, type VerifyAccessTokenOptions } from "../../src/resource";
import { FakeIssuer, fakeIssuerSetup, type IssuedKey } from "./fake-issuer";

let clock: { now: number };
let issuer: FakeIssuer;
let key: IssuedKey;
let options: VerifyAccessTokenOptions;

beforeEach(async () => {
  ({ clock, issuer, key, options } = await fakeIssuerSetup());
});

const verify = async (token: string, opts = options) => verifyAccessToken(token, opts);

describe("JWKS cache", () => {
  it("fetches metadata and JWKS once, then verifies from isolate memory with no requests", async () => {
    const token = await issuer.token(key);
    for (let i = 0; i < 20; i++) await verify(token);
    expect(issuer.calls).toEqual({ discovery: 1, jwks: 1, introspection: 0, other: 0 });
    // A new options object for the same issuer shares the cache.
    await verify(token, { ...options });
    expect(issuer.calls.jwks).toBe(1);
  });

  it("honours Cache-Control max-age: refetches once the JWKS is stale, not before", async () => {
    issuer.cacheControl = "public, max-age=120";
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token);
    clock.now += 119;
    await verify(token);
    expect(issuer.calls.jwks).toBe(1);
    clock.now += 1;
    await verify(token);
    expect(issuer.calls.jwks).toBe(2);
    expect(issuer.calls.discovery).toBe(2); // the metadata had the same max-age
  });

  it("counts the Age header against max-age (RFC 9111 §4.2.3)", async () => {
    issuer.cacheControl = "max-age=300";
    const original = issuer.fetch.bind(issuer);
    issuer.fetch = async (input, init) => {
      const res = await original(input, init);
      const headers = new Headers(res.headers);
      headers.set("age", "250");
      return new Response(res.body, { status: res.status, headers });
    };
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token);
    clock.now += 50;
    await verify(token);
    expect(issuer.calls.jwks).toBe(2);
  });

  it("keeps a no-store JWKS for the refetch cool-down only", async () => {
    issuer.cacheControl = "no-store";
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token);
    clock.now += 29;
    await verify(token);
    expect(issuer.calls.jwks).toBe(1);
    clock.now += 1;
    await verify(token);
    expect(issuer.calls.jwks).toBe(2);
  });

  it("cold start: N concurrent verifications cause one metadata fetch and one JWKS fetch", async () => {
    const tokens = await Promise.all(Array.from({ length: 30 }, () => issuer.token(key)));
    const release = issuer.holdJwks();
    const results = Promise.all(tokens.map((t) => verify(t)));
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await results).toHaveLength(30);
    expect(issuer.calls).toMatchObject({ discovery: 1, jwks: 1 });
  });

  it("a stale JWKS is refreshed once for N concurrent requests", async () => {
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token);
    clock.now += 300;
    const release = issuer.holdJwks();
    const results = Promise.all(Array.from({ length: 30 }, () => verify(token)));
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await results).toHaveLength(30);
    expect(issuer.calls).toMatchObject({ discovery: 2, jwks: 2 });
  });

  it("unknown kid then rotation: a new key is picked up without a restart, once the cool-down allows", async () => {
    await verify(await issuer.token(key));
    const next = await issuer.addKey("RS256");
    issuer.publish(key.kid, next.kid);
    const rotated = await issuer.token(next, { exp: clock.now + 3600 });
    // Within the cool-down after the last fetch, a kid miss is refused without another request.
    await expect(verify(rotated)).rejects.toMatchObject({ code: "ERR_TOKEN_UNKNOWN_KEY", status: 401 });
    expect(issuer.calls.jwks).toBe(1);
    clock.now += 30;
    await expect(verify(rotated)).resolves.toMatchObject({ sub: "user-1" });
    expect(issuer.calls.jwks).toBe(2);
    // The refetch for an unknown kid asks past any HTTP cache on the way (a CDN may hold the old set).
    expect(issuer.jwksCacheModes).toEqual([undefined, "no-store"]);
    // The old key keeps working while it is published; the new one needs no further fetch.
    await verify(await issuer.token(key));
    await verify(rotated);
    expect(issuer.calls.jwks).toBe(2);
    // The retired key is unpublished: its tokens fail once the set is refreshed.
    issuer.publish(next.kid);
    clock.now += 300;
    await expect(verify(await issuer.token(key))).rejects.toMatchObject({ code: "ERR_TOKEN_UNKNOWN_KEY" });
    expect(issuer.calls.jwks).toBe(3);
  });

  it("N concurrent requests with an unknown kid cause exactly one JWKS fetch", async () => {
    await verify(await issuer.token(key));
    expect(issuer.calls.jwks).toBe(1);
    clock.now += 31;
    const next = await issuer.addKey("ES256");
    issuer.publish(key.kid, next.kid);
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => issuer.token(next, { sub: `user-${i}` })));
    const release = issuer.holdJwks();
    const results = Promise.all(tokens.map((t) => verify(t)));
    // Let every request reach the kid miss while the one fetch is held open.
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await results).map((c) => c.sub)).toEqual(tokens.map((_, i) => `user-${i}`));
    expect(issuer.calls.jwks).toBe(2);
  });

  it("N concurrent requests with a kid that does not exist: one fetch, all refused, then the cool-down holds", async () => {
    await verify(await issuer.token(key));
    clock.now += 31;
    const stranger = await issuer.addKey("RS256"); // never published
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.token(stranger)));
    const outcomes = await Promise.allSettled(tokens.map((t) => verify(t)));
    expect(
      outcomes.every((o) => o.status === "rejected" && (o.reason as { code: string }).code === "ERR_TOKEN_UNKNOWN_KEY"),
    ).toBe(true);
    expect(issuer.calls.jwks).toBe(2);
    for (let i = 0; i < 10; i++)
      await expect(verify(tokens[0] ?? "")).rejects.toMatchObject({ code: "ERR_TOKEN_UNKNOWN_KEY" });
    expect(issuer.calls.jwks).toBe(2);
  });

  it("a token whose kid is known but whose alg does not match never triggers a refetch", async () => {
    await verify(await issuer.token(key));
    clock.now += 31;
    const es = await issuer.addKey("ES256");
    const confused = await issuer.token(es, {}, { kid: key.kid });
    await expect(verify(confused)).rejects.toMatchObject({ status: 401 });
    expect(issuer.calls.jwks).toBe(1);
  });

  it("stale-if-error: when a refresh fails, the cached keys keep working and the refresh is retried later", async () => {
    issuer.cacheControl = "max-age=60";
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token);
    issuer.failWith = 500;
    clock.now += 61;
    await expect(verify(token)).resolves.toBeTruthy();
    const failed = issuer.calls.jwks + issuer.calls.discovery;
    await verify(token);
    expect(issuer.calls.jwks + issuer.calls.discovery).toBe(failed); // not retried on every request
    issuer.failWith = undefined;
    clock.now += 31;
    await verify(token);
    expect(issuer.calls.jwks).toBe(3);
  });

  it("answers 503-class ERR_ISSUER_UNAVAILABLE when the keys were never loaded", async () => {
    issuer.failWith = 502;
    await expect(verify(await issuer.token(key))).rejects.toMatchObject({
      code: "ERR_ISSUER_UNAVAILABLE",
      status: 503,
    });
  });

  it("refuses metadata that names another issuer (OIDC Discovery §4.3)", async () => {
    issuer.metadataOverrides = { issuer: "https://evil.example" };
    await expect(verify(await issuer.token(key))).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE" });
    expect(issuer.calls.jwks).toBe(0);
  });

  it("jwksUri skips discovery", async () => {
    await verify(await issuer.token(key), { ...options, jwksUri: `${issuer.issuer}/jwks` });
    expect(issuer.calls).toMatchObject({ discovery: 0, jwks: 1 });
  });
});

describe("Workers Cache API", () => {
  it("a second isolate (empty memory) reuses the shared copy with no request to the issuer", async () => {
    const shared = { ...options, cache: await caches.open(`test-${crypto.randomUUID()}`) };
    const token = await issuer.token(key, { exp: clock.now + 3600 });
    await verify(token, shared);
    expect(issuer.calls).toMatchObject({ discovery: 1, jwks: 1 });
    clearIsolateDocuments();
    await verify(token, shared);
    expect(issuer.calls).toMatchObject({ discovery: 1, jwks: 1 });
    // The shared copy is used only while fresh by our clock, however long the cache keeps it.
    clearIsolateDocuments();
    clock.now += 300;
    await verify(token, shared);
    expect(issuer.calls).toMatchObject({ discovery: 2, jwks: 2 });
  });

  it("does not share a no-store or private response", async () => {
    for (const cacheControl of ["no-store", "private, max-age=300"]) {
      issuer.cacheControl = cacheControl;
      clearIsolateDocuments();
      const shared = { ...options, cache: await caches.open(`test-${crypto.randomUUID()}`) };
      const before = issuer.calls.jwks;
      await verify(await issuer.token(key), shared);
      clearIsolateDocuments();
      await verify(await issuer.token(key), shared);
      expect([cacheControl, issuer.calls.jwks - before]).toEqual([cacheControl, 2]);
    }
  });

  it("an unknown kid bypasses the shared copy and refreshes it for the other isolates", async () => {
    const shared = { ...options, cache: await caches.open(`test-${crypto.randomUUID()}`) };
    await verify(await issuer.token(key), shared);
    const next = await issuer.addKey("RS256");
    issuer.publish(key.kid, next.kid);
    clearIsolateDocuments(); // a fresh isolate: its first load comes from the (old) shared copy
    clock.now += 1;
    const rotated = await issuer.token(next);
    await expect(verify(rotated, shared)).resolves.toBeTruthy();
    expect(issuer.calls.jwks).toBe(2);
    clearIsolateDocuments();
    await verify(rotated, shared);
    expect(issuer.calls.jwks).toBe(2);
  });
});

describe("when the issuer is down", () => {
  it("with no keys ever loaded, N requests cause one fetch, and the next only after the cool-down", async () => {
    issuer.failWith = 502;
    const token = await issuer.token(key);
    const fetches = () => issuer.calls.discovery + issuer.calls.jwks;
    for (let i = 0; i < 10; i++) {
      await expect(verify(token)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE", status: 503 });
    }
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => verify(token)));
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    expect(fetches()).toBe(1);
    clock.now += 29;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE" });
    expect(fetches()).toBe(1);
    // Past the cool-down it is asked again, and once it is back, verification works.
    issuer.failWith = undefined;
    clock.now += 1;
    await expect(verify(token)).resolves.toMatchObject({ sub: "user-1" });
  });

  it("stale keys are used for at most maxStaleSeconds (default 3600) after the last successful fetch", async () => {
    issuer.cacheControl = "max-age=60";
    const fetchedAt = clock.now;
    const token = await issuer.token(key, { exp: fetchedAt + 7200 });
    await verify(token);
    issuer.failWith = 500;
    clock.now = fetchedAt + 61;
    await expect(verify(token)).resolves.toBeTruthy();
    clock.now = fetchedAt + 3599;
    await expect(verify(token)).resolves.toBeTruthy();
    clock.now = fetchedAt + 3600;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE", status: 503 });
  });

  it("maxStaleSeconds is configurable; 0 never serves stale keys", async () => {
    issuer.cacheControl = "max-age=60";
    const token = await issuer.token(key, { exp: clock.now + 7200 });
    const strict = { ...options, maxStaleSeconds: 0 };
    await verify(token, strict);
    issuer.failWith = 500;
    clock.now += 61;
    await expect(verify(token, strict)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE" });
  });

  it("a must-revalidate JWKS is never served stale (RFC 9111 §5.2.2.2)", async () => {
    issuer.cacheControl = "max-age=60, must-revalidate";
    const token = await issuer.token(key, { exp: clock.now + 7200 });
    await verify(token);
    issuer.failWith = 500;
    clock.now += 61;
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE", status: 503 });
  });

  it("fetch() refusing the cache option (compatibility dates before 2024-11-11): the refetch goes out without it", async () => {
    const original = issuer.fetch.bind(issuer);
    issuer.fetch = async (input, init) => {
      // What workerd throws for `cache` before the cache_option_enabled compatibility flag.
      if ((init as { cache?: string } | undefined)?.cache !== undefined) {
        throw new TypeError("The 'cache' field on 'RequestInitializerDict' is not implemented.");
      }
      return original(input, init);
    };
    await verify(await issuer.token(key));
    const next = await issuer.addKey("RS256");
    issuer.publish(key.kid, next.kid);
    clock.now += 30;
    await expect(verify(await issuer.token(next))).resolves.toMatchObject({ sub: "user-1" });
    expect(issuer.calls.jwks).toBe(2);
  });
});

describe("response size", () => {
  it("a body past the limit is abandoned while streaming, not read whole first", async () => {
    const original = issuer.fetch.bind(issuer);
    let pulls = 0;
    let cancelled = false;
    issuer.fetch = async (input, init) => {
      if (!new URL(new Request(input).url).pathname.endsWith("/jwks")) return original(input, init);
      issuer.calls.jwks++;
      const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
      // 16 MiB of whitespace, no Content-Length: only counting while reading can stop it early.
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (++pulls > 256) controller.close();
          else controller.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    };
    await expect(verify(await issuer.token(key))).rejects.toMatchObject({ code: "ERR_ISSUER_UNAVAILABLE" });
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(16);
  });
});

describe("discovered endpoints", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a discovered jwks_uri on another origin is refused without a request (only an explicit jwksUri may be elsewhere)", async () => {
    const elsewhere = "https://keys.elsewhere.example/jwks";
    issuer.metadataOverrides = { jwks_uri: elsewhere };
    const keys = () => Response.json({ keys: [key.publicJwk] });
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => keys());
    await expect(verify(await issuer.token(key))).rejects.toMatchObject({
      code: "ERR_ISSUER_UNAVAILABLE",
      status: 503,
    });
    expect(fetchSpy).not.toHaveBeenCalled();
    // Configured explicitly, the same URL is used.
    await expect(verify(await issuer.token(key), { ...options, jwksUri: elsewhere })).resolves.toBeTruthy();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});

describe("Workers Cache API entries", () => {
  it("an entry that does not parse is deleted and the network asked, instead of a 503", async () => {
    const cache = await caches.open(`test-${crypto.randomUUID()}`);
    const jwksUrl = `${issuer.issuer}/jwks`;
    await writeShared(cache, jwksUrl, { keys: "not a list" }, clock.now, { seconds: 300, mustRevalidate: false });
    await expect(verify(await issuer.token(key), { ...options, cache })).resolves.toBeTruthy();
    expect(issuer.calls.jwks).toBe(1);
    // The entry now holds what the network answered.
    expect(await readShared(cache, jwksUrl, clock.now)).toMatchObject({ body: { keys: [{ kid: key.kid }] } });
  });

  it("entries are keyed by format version: an entry at the bare URL (an older format) is never read", async () => {
    const cache = await caches.open(`test-${crypto.randomUUID()}`);
    const jwksUrl = `${issuer.issuer}/jwks`;
    const headers = {
      "x-edge-oidc-fetched-at": String(clock.now),
      "x-edge-oidc-fresh-for": "300",
      "cache-control": "max-age=300",
    };
    await cache.put(jwksUrl, Response.json({ keys: [key.publicJwk] }, { headers }));
    await verify(await issuer.token(key), { ...options, cache });
    expect(issuer.calls.jwks).toBe(1);
    expect(sharedKey(jwksUrl)).not.toBe(jwksUrl);
  });
});

describe("jose's createRemoteJWKSet (the measurement behind not using it, in src/resource/jwks.ts)", () => {
  it("on Workers, concurrent cold callers each send their own JWKS request (the verifier above sends one)", async () => {
    // If this fails, jose now shares its in-flight fetch on Workers: worth weighing createRemoteJWKSet again.
    const jwks = createRemoteJWKSet(new URL(`${issuer.issuer}/jwks`), {
      [customFetch]: (url, init) => issuer.fetch(url, init),
    });
    const release = issuer.holdJwks();
    const keys = Promise.all(Array.from({ length: 30 }, () => jwks({ alg: key.alg, kid: key.kid })));
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await keys).toHaveLength(30);
    expect(issuer.calls.jwks).toBe(30);
  });
});
