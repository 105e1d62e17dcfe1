// Signing-key rotation (docs/keys-and-rotation.md), driven by the injected clock: the next key is in the
// JWKS before anything is signed with it, and a retired key stays there until everything it signed has expired.
import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import * as v from "valibot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { config } from "../../src/config";
import { kv, objects } from "../../src/storage";
import worker from "../../src/index";
import { forgetKeySet } from "../../src/keys/store";
import { KeySet } from "../../src/keys/schema";
import { sha256Base64url } from "../../src/lib/crypto";
import { Browser, ISSUER, clientCredentials, codeFor, isActive, redeem, type Tokens } from "../helpers";

const {
  activationDelaySeconds: ACTIVATION,
  retainAfterRetireSeconds: RETAIN,
  maxTokenLifetimeSeconds: MAX_LIFETIME,
} = config.keys;
const API = "urn:edge-oidc:api:weather";

/** Each test starts from a fresh key set at the real time (storage is shared by the tests of this file). */
async function resetKeys(): Promise<void> {
  await runInDurableObject(objects.keyManager(env), (_instance, state) => state.storage.deleteAll());
  await env.KEYS.delete(kv.keySet);
  forgetKeySet();
}

beforeEach(async () => {
  setClockOffset(0);
  await resetKeys();
  // A service whose access tokens live as long as any token may (config.keys.maxTokenLifetimeSeconds).
  await saveClient(env, {
    v: 1,
    client_id: "long-lived-service",
    client_secret_hash: await sha256Base64url("s3cret"),
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: [],
    grant_types: ["client_credentials"],
    response_types: [],
    scope: "weather",
    lifetimes: { accessToken: MAX_LIFETIME },
  });
});

afterEach(() => setClockOffset(0));

async function serviceToken(): Promise<string> {
  const res = await clientCredentials("long-lived-service", "s3cret", "weather");
  expect(res.status).toBe(200);
  return (await res.json<Tokens>()).access_token;
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

/** Moves the injected clock to an absolute time (seconds), whatever the real time is. */
function clockAt(seconds: number): void {
  setClockOffset(seconds - Math.floor(Date.now() / 1000));
}

async function publishedJwks(): Promise<JSONWebKeySet> {
  const res = await exports.default.fetch(`${ISSUER}/jwks`);
  expect(res.status).toBe(200);
  return res.json<JSONWebKeySet>();
}

async function publishedKids(): Promise<string[]> {
  return (await publishedJwks()).keys.map((k) => k.kid ?? "");
}

/** Verifies as an API would at the (injected) current time: against the JWKS it fetches now. */
async function verifiesThroughJwks(token: string): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(await publishedJwks()), {
      issuer: ISSUER,
      audience: API,
      currentDate: new Date(nowSeconds() * 1000),
    });
    return true;
  } catch {
    return false;
  }
}

/** The key of the algorithm access tokens are signed with (ES256 by default). */
async function accessTokenKey(status: string) {
  const keys = await objects.keyManager(env).listKeys();
  return keys.find((k) => k.alg === config.accessTokenSigningAlg && k.status === status);
}

/** The Worker's scheduled handler, as the cron trigger calls it. */
async function runCron(): Promise<void> {
  await worker.scheduled(createScheduledController({ cron: "17 3 * * *", scheduledTime: nowSeconds() * 1000 }), env);
}

describe("configuration", () => {
  it("the schedule honours KV propagation, isolate caches and the JWKS max-age", () => {
    const staleness = config.keys.kvPropagationSeconds + config.isolateCacheSeconds;
    // A new key waits longer than any verifier may hold a JWKS without it.
    expect(ACTIVATION).toBeGreaterThan(staleness + config.keys.jwksMaxAgeSeconds);
    // A retired key outlives every token it signed, including those signed by isolates holding a stale set.
    expect(RETAIN).toBeGreaterThanOrEqual(MAX_LIFETIME + staleness);
    expect(config.lifetimes.accessToken).toBeLessThanOrEqual(MAX_LIFETIME);
    expect(config.lifetimes.idToken).toBeLessThanOrEqual(MAX_LIFETIME);
    // A rotation is over (old key gone) long before the next one is due.
    expect(config.keys.rotateEverySeconds).toBeGreaterThan(ACTIVATION + RETAIN);
  });

  it("JWKS and discovery are cacheable for less time than a new key waits before signing", async () => {
    for (const path of ["/jwks", "/.well-known/openid-configuration"]) {
      const res = await exports.default.fetch(`${ISSUER}${path}`);
      expect(res.headers.get("cache-control")).toBe(`public, max-age=${config.keys.jwksMaxAgeSeconds}`);
    }
  });

  it("a per-client token lifetime beyond the bound is refused, so retention always covers it", async () => {
    await expect(
      saveClient(env, {
        v: 1,
        client_id: "too-long",
        token_endpoint_auth_method: "none",
        redirect_uris: [],
        grant_types: ["client_credentials"],
        response_types: [],
        scope: "weather",
        lifetimes: { accessToken: MAX_LIFETIME + 1 },
      }),
    ).rejects.toThrow();
  });
});

describe("rotation on demand", () => {
  it("publishes the next key first, signs with it only after the activation delay, retires the old key later", async () => {
    try {
      const before = await serviceToken();
      const oldKid = kidOf(before);
      expect(oldKid).toBeTruthy();

      const rotated = await objects.keyManager(env).rotate();
      expect(rotated.keys).toHaveLength(2 * config.signingAlgorithms.length);
      const next = await accessTokenKey("next");
      const old = await accessTokenKey("active");
      if (!next || !old?.deleteAfter) throw new Error("no next or retiring access-token key");
      expect(old.kid).toBe(oldKid);
      expect(next.activatesAt - next.publishedAt).toBe(ACTIVATION);
      expect(old.retiresAt).toBe(next.activatesAt);

      // As soon as this isolate sees the new set: the new kid is published, but nothing is signed with it.
      forgetKeySet();
      expect(await publishedKids()).toEqual(expect.arrayContaining([oldKid, next.kid]));
      expect(kidOf(await serviceToken())).toBe(oldKid);

      // Just before activation (the isolate cache ages with the clock): still the old key.
      clockAt(next.activatesAt - 5);
      const lastOld = await serviceToken();
      expect(kidOf(lastOld)).toBe(oldKid);
      const lastExp = decodeJwt(lastOld).exp ?? 0;
      expect(old.deleteAfter).toBeGreaterThan(lastExp);

      // From activation on, the new key signs; what the old one signed still verifies.
      clockAt(next.activatesAt);
      expect(kidOf(await serviceToken())).toBe(next.kid);
      expect((await accessTokenKey("retired"))?.kid).toBe(oldKid);
      expect(await verifiesThroughJwks(before)).toBe(true);
      expect(await verifiesThroughJwks(lastOld)).toBe(true);

      // The last token the old key signed verifies until its last seconds...
      clockAt(lastExp - 5);
      expect(await publishedKids()).toContain(oldKid);
      expect(await verifiesThroughJwks(lastOld)).toBe(true);

      // ...and once the retention is over the old key is gone from the JWKS (everything it signed has expired).
      clockAt(old.deleteAfter);
      const kids = await publishedKids();
      expect(kids).not.toContain(oldKid);
      expect(kids).toContain(next.kid);
      expect(await verifiesThroughJwks(lastOld)).toBe(false);
    } finally {
      setClockOffset(0);
    }
  });

  it("the provider's own endpoints accept tokens of the retired key (userinfo, introspection)", async () => {
    try {
      await objects.keyManager(env).rotate();
      const next = await accessTokenKey("next");
      if (!next) throw new Error("no next access-token key");
      clockAt(next.activatesAt - 30);
      const tokens = await (await redeem(await codeFor(new Browser()))).json<Tokens>();
      const oldKid = kidOf(tokens.access_token);
      clockAt(next.activatesAt + 600);
      expect(kidOf(await serviceToken())).toBe(next.kid);
      expect(oldKid).not.toBe(next.kid);
      const res = await exports.default.fetch(`${ISSUER}/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(res.status).toBe(200);
      expect(await isActive(tokens.access_token)).toBe(true);
    } finally {
      setClockOffset(0);
    }
  });

  it("a second rotation while one is in progress does not pile up keys", async () => {
    const first = await objects.keyManager(env).rotate();
    const second = await objects.keyManager(env).rotate();
    expect(second.keys.map((k) => k.kid).sort()).toEqual(first.keys.map((k) => k.kid).sort());
  });

  it("lists public information only, and keeps private keys encrypted at rest", async () => {
    await objects.keyManager(env).rotate();
    const listed = await objects.keyManager(env).listKeys();
    expect(listed).toHaveLength(2 * config.signingAlgorithms.length);
    for (const key of listed) {
      expect(Object.keys(key).sort()).toEqual([
        "activatesAt",
        "alg",
        "deleteAfter",
        "kid",
        "publishedAt",
        "retiresAt",
        "status",
      ]);
    }
    expect(listed.filter((k) => k.status === "next")).toHaveLength(config.signingAlgorithms.length);
    const raw = (await env.KEYS.get(kv.keySet)) ?? "";
    expect(raw).not.toMatch(/"d":/);
    const stored = v.parse(KeySet, JSON.parse(raw));
    for (const key of stored.keys) expect(key.encryptedPrivateJwk.split(".")).toHaveLength(5);
  });
});

describe("rotation on the cron schedule", () => {
  it("rotates when a key has signed for rotateEvery, not before, and removes retired keys after retention", async () => {
    try {
      const initial = await objects.keyManager(env).listKeys();
      expect(initial).toHaveLength(config.signingAlgorithms.length);
      const since = Math.max(...initial.map((k) => k.activatesAt));

      await runCron();
      clockAt(since + config.keys.rotateEverySeconds - 5);
      await runCron();
      expect(await objects.keyManager(env).listKeys()).toEqual(initial);

      clockAt(since + config.keys.rotateEverySeconds);
      await runCron();
      const rotated = await objects.keyManager(env).listKeys();
      expect(rotated.filter((k) => k.status === "next")).toHaveLength(initial.length);
      expect(
        rotated
          .filter((k) => k.status === "active")
          .map((k) => k.kid)
          .sort(),
      ).toEqual(initial.map((k) => k.kid).sort());

      // The next day's run changes nothing: the rotation is in progress.
      clockAt(since + config.keys.rotateEverySeconds + 600);
      await runCron();
      expect(await objects.keyManager(env).listKeys()).toEqual(rotated);

      const deleteAfter = Math.max(...rotated.map((k) => k.deleteAfter ?? 0));
      clockAt(deleteAfter - 5);
      await runCron();
      expect(await objects.keyManager(env).listKeys()).toHaveLength(2 * initial.length);

      clockAt(deleteAfter);
      await runCron();
      const after = await objects.keyManager(env).listKeys();
      expect(after).toHaveLength(initial.length);
      expect(after.every((k) => k.status === "active")).toBe(true);
      const initialKids = new Set(initial.map((k) => k.kid));
      expect(after.some((k) => initialKids.has(k.kid))).toBe(false);
    } finally {
      setClockOffset(0);
    }
  });
});

describe("stored key sets", () => {
  it("a version 1 key set (before rotation) reads as keys active since their creation", () => {
    const keySet = v.parse(KeySet, {
      v: 1,
      keys: [{ kid: "k1", alg: "RS256", createdAt: 1000, publicJwk: { kty: "RSA" }, encryptedPrivateJwk: "a.b.c.d.e" }],
    });
    expect(keySet).toEqual({
      v: 2,
      keys: [
        {
          kid: "k1",
          alg: "RS256",
          publishedAt: 1000,
          activatesAt: 1000,
          publicJwk: { kty: "RSA" },
          encryptedPrivateJwk: "a.b.c.d.e",
        },
      ],
    });
  });
});
