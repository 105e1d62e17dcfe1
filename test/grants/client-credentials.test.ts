import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import {
  basic,
  clientCredentials,
  expectOAuthError,
  introspect,
  isActive,
  tokenRequest,
  verifyWithJwks,
  type Tokens,
} from "../helpers";

describe("client_credentials", () => {
  it("issues a JWT access token for the client's scope: no ID token, no refresh token", async () => {
    const res = await clientCredentials("demo-service", "demo-service-secret", "weather");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Tokens>();
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe("weather");
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
    expect(decodeProtectedHeader(body.access_token).typ).toBe("at+jwt");
    const claims = await verifyWithJwks(body.access_token, "urn:edge-oidc:api:weather", "at+jwt");
    expect(claims.sub).toBe("demo-service");
    expect(claims.client_id).toBe("demo-service");
    expect(claims.scope).toBe("weather");
    expect(claims).not.toHaveProperty("auth_time");
  });

  it("defaults to the client's allowed scopes when none is requested", async () => {
    const body = await (await clientCredentials("demo-service", "demo-service-secret")).json<Tokens>();
    expect(body.scope).toBe("weather");
  });

  it("a scope outside the client's allowed scopes is invalid_scope, not silently dropped", async () => {
    await expectOAuthError(
      await clientCredentials("demo-service", "demo-service-secret", "weather profile"),
      400,
      "invalid_scope",
    );
    await expectOAuthError(await clientCredentials("demo", "demo-secret", "openid"), 400, "invalid_scope");
  });

  it("a client without the grant is unauthorized_client; a wrong secret is invalid_client", async () => {
    await expectOAuthError(await clientCredentials("weather-api", "weather-api-secret"), 400, "unauthorized_client");
    const res = await clientCredentials("demo-service", "nope");
    expect(res.headers.get("www-authenticate")).toBeTruthy();
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("a public client cannot use it", async () => {
    const res = await tokenRequest({ grant_type: "client_credentials", client_id: "demo-spa" });
    await expectOAuthError(res, 400, "unauthorized_client");
  });

  it("a client configured for tokens by reference gets an opaque token, resolvable only by introspection", async () => {
    const body = await (await clientCredentials("demo-service-ref", "demo-service-secret", "weather")).json<Tokens>();
    expect(body.access_token).toMatch(/^cc_[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    expect(body.expires_in).toBe(3600);
    const info = await (await introspect(body.access_token)).json<Record<string, unknown>>();
    expect(info).toMatchObject({
      active: true,
      scope: "weather",
      client_id: "demo-service-ref",
      sub: "demo-service-ref",
      token_type: "Bearer",
      aud: "urn:edge-oidc:api:weather",
    });
    expect(await isActive(body.access_token, basic("demo-service-ref", "demo-service-secret"))).toBe(true);
  });
});
