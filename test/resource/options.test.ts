// Option validation: the issuer URL (RFC 8414 §2), configured endpoints, and every numeric option's bounds.
// A misconfiguration is a TypeError when the options are first used, never a quiet default.
import { describe, expect, it } from "vitest";
import type { VerifyAccessTokenOptions } from "../../src/resource/options";
import { resolveOptions } from "../../src/resource/options-cache";

const base: VerifyAccessTokenOptions = { issuer: "https://auth.example.com", audience: "urn:test:api" };
const resolve = (changes: Partial<VerifyAccessTokenOptions>) => () => resolveOptions({ ...base, ...changes });

describe("options", () => {
  it("the issuer is an https URL without query or fragment (RFC 8414 §2); plain http only on loopback", () => {
    for (const issuer of [
      "http://auth.example.com",
      "ftp://auth.example.com",
      "https://auth.example.com?tenant=a",
      "https://auth.example.com/?",
      "https://auth.example.com#x",
      "https://auth.example.com/#",
      "http://localhost.evil.example",
    ]) {
      expect(resolve({ issuer }), issuer).toThrow(TypeError);
    }
    for (const issuer of [
      "https://auth.example.com",
      "https://auth.example.com/tenant/",
      "http://localhost:8787",
      "http://127.0.0.1:8787",
      "http://[::1]:8787",
    ]) {
      expect(resolve({ issuer }), issuer).not.toThrow();
    }
  });

  it("configured endpoints use https (http only on loopback)", () => {
    expect(resolve({ jwksUri: "http://keys.example.com/jwks" })).toThrow(TypeError);
    expect(
      resolve({ introspection: { clientId: "a", clientSecret: "b", endpoint: "http://auth.example.com/introspect" } }),
    ).toThrow(TypeError);
    expect(resolve({ jwksUri: "https://keys.example.com/jwks" })).not.toThrow();
    expect(
      resolve({ introspection: { clientId: "a", clientSecret: "b", endpoint: "http://localhost:8787/introspect" } }),
    ).not.toThrow();
  });

  it("numeric options are bounded: cool-down >= 1 s, introspection caches <= 300 s, timeout 1..30000 ms, max-stale >= 0", () => {
    const intro = (extra: object) => ({ introspection: { clientId: "a", clientSecret: "b", ...extra } });
    for (const bad of [
      { jwksRefetchCooldownSeconds: 0 },
      { jwksRefetchCooldownSeconds: 0.5 },
      { jwksRefetchCooldownSeconds: Number.NaN },
      intro({ cacheSeconds: 301 }),
      intro({ cacheSeconds: -1 }),
      intro({ negativeCacheSeconds: 301 }),
      { timeoutMs: 0 },
      { timeoutMs: 30_001 },
      { timeoutMs: Number.POSITIVE_INFINITY },
      { maxStaleSeconds: -1 },
      { clockToleranceSeconds: Number.NaN },
    ]) {
      expect(resolve(bad), JSON.stringify(bad)).toThrow(TypeError);
    }
    for (const good of [
      { jwksRefetchCooldownSeconds: 1 },
      intro({ cacheSeconds: 300, negativeCacheSeconds: 0 }),
      { timeoutMs: 1 },
      { timeoutMs: 30_000 },
      { maxStaleSeconds: 0 },
    ]) {
      expect(resolve(good), JSON.stringify(good)).not.toThrow();
    }
  });

  it("a new object with equal values shares the validated settings, but keeps its own binding, Cache and clock", () => {
    const [first, second] = [1, 2].map((n) => ({
      ...base,
      scopes: ["weather"],
      fetcher: { fetch: () => Promise.resolve(new Response(String(n))) },
      now: () => n,
    }));
    if (!first || !second) throw new Error("two options objects expected");
    const [a, b] = [resolveOptions(first), resolveOptions(second)];
    expect(b.scopes).toBe(a.scopes); // the same validated settings, not a second validation
    expect([a.now(), b.now(), resolveOptions(first).now()]).toEqual([1, 2, 1]);
    expect([a.fetcher, b.fetcher]).toEqual([first.fetcher, second.fetcher]);
    expect(resolveOptions({ ...base, scopes: ["weather", "read"] }).scopes).toEqual(["weather", "read"]);
    expect(resolveOptions({ ...base, scopes: ["weather", "write"] }).scopes).toEqual(["weather", "write"]);
  });

  it("an invalid value never borrows the cache entry of a valid one it might be confused with", () => {
    resolveOptions({ ...base, scopes: ["a", "b"] });
    expect(resolve({ scopes: ["a b"] })).toThrow(TypeError);
    expect(resolve({ timeoutMs: Number.NaN })).toThrow(TypeError); // base (timeoutMs undefined) is cached
    // Invalid options are not kept: every use throws again.
    expect(resolve({ timeoutMs: Number.NaN })).toThrow(TypeError);
  });
});
