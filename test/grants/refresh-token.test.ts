import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import {
  Browser,
  basic,
  codeFor,
  expectOAuthError,
  isActive,
  offlineTokens,
  redeem,
  refresh,
  verifyWithJwks,
  type Tokens,
} from "../helpers";
import { SECRET, registerClient } from "../tokens/fixtures";

async function withClock<T>(seconds: number, run: () => Promise<T>): Promise<T> {
  setClockOffset(seconds);
  try {
    return await run();
  } finally {
    setClockOffset(0);
  }
}

describe("refresh tokens: issuance", () => {
  it("are issued with offline_access, and not without it", async () => {
    expect((await offlineTokens()).refresh_token).toMatch(/^[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    const plain = await (await redeem(await codeFor(new Browser()))).json<Tokens>();
    expect(plain.refresh_token).toBeUndefined();
  });

  it("are issued without offline_access to a client configured to always receive one", async () => {
    await registerClient({ client_id: "always-refresh", scope: "openid profile", always_issue_refresh_token: true });
    const code = await codeFor(new Browser(), { client_id: "always-refresh", scope: "openid" });
    expect((await (await redeem(code, {}, basic("always-refresh", SECRET))).json<Tokens>()).refresh_token).toBeTruthy();
  });
});

describe("refresh tokens: rotation", () => {
  it("rotates on every use; the refreshed ID token keeps sub, aud, auth_time and has a new iat, no nonce", async () => {
    const first = await offlineTokens();
    const firstId = decodeJwt(first.id_token ?? "");
    const res = await withClock(5, () => refresh(first.refresh_token ?? ""));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const second = await res.json<Tokens>();
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.scope).toBe(first.scope);
    const id = await verifyWithJwks(second.id_token ?? "", "demo");
    expect(id.sub).toBe(firstId.sub);
    expect(id.aud).toBe("demo");
    expect(id.auth_time).toBe(firstId.auth_time);
    expect(id.iat).toBeGreaterThan(firstId.iat ?? 0);
    expect(id).not.toHaveProperty("nonce");
    expect((await refresh(second.refresh_token ?? "")).status).toBe(200);
  });

  it("may narrow the scope, never widen it", async () => {
    const tokens = await offlineTokens();
    const narrowed = await refresh(tokens.refresh_token ?? "", { scope: "openid email" });
    expect(narrowed.status).toBe(200);
    const body = await narrowed.json<Tokens>();
    expect(body.scope).toBe("openid email");
    expect(decodeJwt(body.access_token).scope).toBe("openid email");
    // The refresh token keeps the original grant: the full scope is available again.
    const widened = await refresh(body.refresh_token ?? "", { scope: "openid phone" });
    await expectOAuthError(widened, 400, "invalid_scope");
    // A refused scope does not consume the token.
    expect((await refresh(body.refresh_token ?? "", { scope: "openid profile email" })).status).toBe(200);
  });

  it("a narrowed scope without openid gets no ID token", async () => {
    const tokens = await offlineTokens();
    const body = await (await refresh(tokens.refresh_token ?? "", { scope: "profile" })).json<Tokens>();
    expect(body.id_token).toBeUndefined();
  });

  it("is bound to its client: another client's refresh gets invalid_grant", async () => {
    const tokens = await offlineTokens();
    const res = await refresh(tokens.refresh_token ?? "", { client_id: "demo-post", client_secret: "demo-secret" }, "");
    await expectOAuthError(res, 400, "invalid_grant");
    expect((await refresh(tokens.refresh_token ?? "")).status).toBe(200);
  });

  it("malformed or unknown refresh tokens: invalid_grant; missing: invalid_request", async () => {
    await expectOAuthError(await refresh("garbage"), 400, "invalid_grant");
    const tokens = await offlineTokens();
    const [id] = (tokens.refresh_token ?? "").split(".");
    await expectOAuthError(await refresh(`${id}.${"C".repeat(43)}`), 400, "invalid_grant");
    await expectOAuthError(await refresh(""), 400, "invalid_request");
  });

  it("honours the sliding (idle) lifetime and the absolute lifetime", async () => {
    await registerClient({
      client_id: "short-refresh",
      scope: "openid offline_access",
      lifetimes: { refreshTokenIdle: 100, refreshTokenAbsolute: 250 },
    });
    const auth = basic("short-refresh", SECRET);
    const code = await codeFor(new Browser(), { client_id: "short-refresh", scope: "openid offline_access" });
    const t0 = await (await redeem(code, {}, auth)).json<Tokens>();
    // Idle for longer than 100 s: expired.
    await withClock(101, async () =>
      expectOAuthError(await refresh(t0.refresh_token ?? "", {}, auth), 400, "invalid_grant"),
    );
    // Used every 90 s, the sliding window renews... until the absolute lifetime of 250 s.
    const code2 = await codeFor(new Browser(), { client_id: "short-refresh", scope: "openid offline_access" });
    let current = (await (await redeem(code2, {}, auth)).json<Tokens>()).refresh_token ?? "";
    for (const at of [90, 180]) {
      const res = await withClock(at, () => refresh(current, {}, auth));
      expect(res.status).toBe(200);
      current = (await res.json<Tokens>()).refresh_token ?? "";
    }
    await withClock(251, async () => expectOAuthError(await refresh(current, {}, auth), 400, "invalid_grant"));
  });
});

describe("refresh tokens: reuse detection and the grace window", () => {
  it("a retry inside the grace window gets the same successor, and nothing is revoked", async () => {
    const tokens = await offlineTokens();
    const a = await (await refresh(tokens.refresh_token ?? "")).json<Tokens>();
    const b = await withClock(5, async () => (await refresh(tokens.refresh_token ?? "")).json<Tokens>());
    expect(b.refresh_token).toBe(a.refresh_token);
    expect(await isActive(a.access_token)).toBe(true);
    expect((await refresh(a.refresh_token ?? "")).status).toBe(200);
  });

  it("a rotated-out token replayed after the window revokes the whole grant", async () => {
    const tokens = await offlineTokens();
    const next = await (await refresh(tokens.refresh_token ?? "")).json<Tokens>();
    const replay = await withClock(11, () => refresh(tokens.refresh_token ?? ""));
    await expectOAuthError(replay, 400, "invalid_grant");
    // Every token of the grant is now inactive.
    for (const token of [tokens.access_token, next.access_token, next.refresh_token ?? ""]) {
      expect(await isActive(token)).toBe(false);
    }
    await expectOAuthError(await refresh(next.refresh_token ?? ""), 400, "invalid_grant");
  });

  it("20 concurrent uses inside the grace window: all 200 with one and the same successor", async () => {
    const tokens = await offlineTokens();
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(tokens.refresh_token ?? "")));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = await Promise.all(responses.map((r) => r.json<Tokens>()));
    expect(new Set(bodies.map((b) => b.refresh_token)).size).toBe(1);
    expect((await refresh(bodies[0]?.refresh_token ?? "")).status).toBe(200);
  });

  it("20 concurrent uses with no grace window: one 200, nineteen invalid_grant, and the grant revoked", async () => {
    await registerClient({ client_id: "no-grace", scope: "openid offline_access", lifetimes: { refreshGrace: 0 } });
    const auth = basic("no-grace", SECRET);
    const code = await codeFor(new Browser(), { client_id: "no-grace", scope: "openid offline_access" });
    const tokens = await (await redeem(code, {}, auth)).json<Tokens>();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => refresh(tokens.refresh_token ?? "", {}, auth)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    const winner = await responses[statuses.indexOf(200)]?.json<Tokens>();
    // The replays were reuse: the whole grant is revoked, the winner's new tokens included.
    await expectOAuthError(await refresh(winner?.refresh_token ?? "", {}, auth), 400, "invalid_grant");
    expect(await isActive(winner?.access_token ?? "")).toBe(false);
  });
});
