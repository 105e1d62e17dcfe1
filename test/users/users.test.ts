import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { config } from "../../src/config";
import { OAuthError } from "../../src/errors";
import { passwordLogin } from "../../src/users/login";
import { MAX_PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../../src/users/password";
import { findUserBySub } from "../../src/users/store";
import { basic, tokenRequest } from "../helpers";

const external = () => ({ ...env, USER_BACKEND: "url", AUTH_URL: inject("authUrl") });

describe("user passwords", () => {
  it("never hash with more PBKDF2 iterations than Workers allows (100,000)", async () => {
    expect(config.pbkdf2Iterations).toBeLessThanOrEqual(MAX_PBKDF2_ITERATIONS);
    expect(MAX_PBKDF2_ITERATIONS).toBe(100_000);
    const hash = await hashPassword("correct horse");
    expect(hash.iterations).toBe(100_000);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("wrong horse", hash)).toBe(false);
  });
});

describe("external authentication backend (the gateway's authentication URL)", () => {
  it("accepts what the URL accepts, and keeps the subject and claims for userinfo", async () => {
    const result = await passwordLogin(external(), "ext-user", "ext-pass", undefined);
    expect(result.ok).toBe(true);
    const user = await findUserBySub(env, "ext-123");
    expect(user).toMatchObject({
      sub: "ext-123",
      username: "ext-user",
      source: "external",
      claims: { email: "ext@example.com" },
    });
    expect(user?.password).toBeUndefined();
  });

  it("refuses what the URL refuses (401), and counts the failure", async () => {
    const result = await passwordLogin(external(), "ext-user", "wrong", undefined);
    expect(result).toEqual({ ok: false, throttled: false });
  });

  it("a failing or malformed backend is an outage (503), never a login", async () => {
    for (const username of ["broken-backend", "no-sub"]) {
      await expect(passwordLogin(external(), username, "x", undefined)).rejects.toMatchObject({
        error: "temporarily_unavailable",
        status: 503,
      });
    }
    await expect(
      passwordLogin({ ...external(), AUTH_URL: "http://auth.example.com/x" }, "a", "b", undefined),
    ).rejects.toBeInstanceOf(OAuthError);
  });

  it("an externally authenticated user has no password in the KV store to log in with", async () => {
    await passwordLogin(external(), "ext-user", "ext-pass", undefined);
    // With the KV backend (the default), the external user cannot log in: it has no password here.
    const res = await tokenRequest(
      { grant_type: "password", username: "ext-user", password: "ext-pass", scope: "openid" },
      basic("demo", "demo-secret"),
    );
    expect(res.status).toBe(400);
  });
});

describe("external backend: input hygiene", () => {
  it("refuses usernames with a colon (RFC 7617 §2) without calling the backend", async () => {
    const result = await passwordLogin(external(), "ext-user:ext-pass", "x", undefined);
    expect(result).toEqual({ ok: false, throttled: false });
  });
});
