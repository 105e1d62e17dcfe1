// Option validation: the issuer URL (RFC 8414 §2), configured endpoints, and every numeric option's bounds.
// A misconfiguration is a TypeError when the options are first used, never a quiet default.
import { describe, expect, it } from "vitest";
import { resolveOptions, type VerifyAccessTokenOptions } from "../../src/resource/options";

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
    for (const issuer of ["https://auth.example.com", "https://auth.example.com/tenant/", "http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"]) {
      expect(resolve({ issuer }), issuer).not.toThrow();
    }
  });

  it("configured endpoints use https (http only on loopback)", () => {
    expect(resolve({ jwksUri: "http://keys.example.com/jwks" })).toThrow(TypeError);
    expect(resolve({ introspection: { clientId: "a", clientSecret: "b", endpoint: "http://auth.example.com/introspect" } })).toThrow(TypeError);
    expect(resolve({ jwksUri: "https://keys.example.com/jwks" })).not.toThrow();
    expect(resolve({ introspection: { clientId: "a", clientSecret: "b", endpoint: "http://localhost:8787/introspect" } })).not.toThrow();
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
    for (const good of [{ jwksRefetchCooldownSeconds: 1 }, intro({ cacheSeconds: 300, negativeCacheSeconds: 0 }), { timeoutMs: 1 }, { timeoutMs: 30_000 }, { maxStaleSeconds: 0 }]) {
      expect(resolve(good), JSON.stringify(good)).not.toThrow();
    }
  });
});
