import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ISSUER,
  basic,
  clientCredentials,
  expectOAuthError,
  isActive,
  offlineTokens,
  refresh,
  revoke,
  type Tokens,
} from "../helpers";

const userinfo = (token: string) =>
  exports.default.fetch(`${ISSUER}/userinfo`, { headers: { authorization: `Bearer ${token}` } });

describe("revocation (RFC 7009)", () => {
  it("revoking a refresh token revokes its grant: every token of it goes inactive", async () => {
    const tokens = await offlineTokens();
    const res = await revoke(tokens.refresh_token ?? "", basic("demo", "demo-secret"), {
      token_type_hint: "refresh_token",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await isActive(tokens.refresh_token ?? "")).toBe(false);
    expect(await isActive(tokens.access_token)).toBe(false);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    await expectOAuthError(await refresh(tokens.refresh_token ?? ""), 400, "invalid_grant");
  });

  it("revoking a JWT access token makes introspection and userinfo reject it, and leaves the refresh token", async () => {
    const tokens = await offlineTokens();
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    expect(
      (await revoke(tokens.access_token, basic("demo", "demo-secret"), { token_type_hint: "access_token" })).status,
    ).toBe(200);
    expect(await isActive(tokens.access_token)).toBe(false);
    const after = await userinfo(tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect((await refresh(tokens.refresh_token ?? "")).status).toBe(200);
  });

  it("revoking an opaque access token makes introspection say inactive", async () => {
    const { access_token: token } = await (
      await clientCredentials("demo-service-ref", "demo-service-secret")
    ).json<Tokens>();
    const api = basic("weather-api", "weather-api-secret");
    expect(await isActive(token, api)).toBe(true);
    expect((await revoke(token, basic("demo-service-ref", "demo-service-secret"))).status).toBe(200);
    expect(await isActive(token, api)).toBe(false);
  });

  it("unknown, malformed and already revoked tokens answer 200", async () => {
    for (const token of ["garbage", `${"a".repeat(64)}.${"b".repeat(43)}`, "eyJhbGciOiJub25lIn0.e30."]) {
      expect((await revoke(token)).status).toBe(200);
    }
    const tokens = await offlineTokens();
    expect((await revoke(tokens.refresh_token ?? "")).status).toBe(200);
    expect((await revoke(tokens.refresh_token ?? "")).status).toBe(200);
  });

  it("another client's token is refused and stays active", async () => {
    const tokens = await offlineTokens();
    const res = await revoke(tokens.refresh_token ?? "", basic("demo-service", "demo-service-secret"));
    await expectOAuthError(res, 400, "unauthorized_client");
    expect(await isActive(tokens.refresh_token ?? "")).toBe(true);
  });

  it("requires client authentication and a token", async () => {
    await expectOAuthError(await revoke("x", basic("demo", "wrong")), 401, "invalid_client");
    await expectOAuthError(await revoke(""), 400, "invalid_request");
  });

  it("a public client revokes its own tokens with just its client_id", async () => {
    const res = await exports.default.fetch(`${ISSUER}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: "unknown", client_id: "demo-spa" }).toString(),
    });
    expect(res.status).toBe(200);
  });
});
