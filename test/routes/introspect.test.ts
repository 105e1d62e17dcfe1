import { exports } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { ISSUER, basic, clientCredentials, expectOAuthError, introspect, offlineTokens, type Tokens } from "../helpers";

const info = async (res: Response) => res.json<Record<string, unknown>>();

describe("introspection (RFC 7662)", () => {
  it("describes an active JWT access token to a resource server", async () => {
    const tokens = await offlineTokens("openid profile weather offline_access");
    const res = await introspect(tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await info(res);
    expect(body).toMatchObject({
      active: true,
      scope: "openid profile weather offline_access",
      client_id: "demo",
      sub: "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c",
      iss: ISSUER,
      token_type: "Bearer",
      aud: [ISSUER, "urn:edge-oidc:api:weather"],
    });
    expect(typeof body.exp).toBe("number");
    expect(typeof body.iat).toBe("number");
  });

  it("describes a refresh token to its own client", async () => {
    const tokens = await offlineTokens();
    const body = await info(await introspect(tokens.refresh_token ?? "", basic("demo", "demo-secret")));
    expect(body).toMatchObject({ active: true, client_id: "demo", scope: "openid profile email offline_access" });
  });

  it("answers inactive for another client's token, and to a resource server for tokens of other audiences", async () => {
    const tokens = await offlineTokens();
    expect(await info(await introspect(tokens.access_token, basic("demo-service", "demo-service-secret")))).toEqual({
      active: false,
    });
    // No weather scope, so not meant for the weather API: it learns nothing.
    expect(await info(await introspect(tokens.access_token))).toEqual({ active: false });
    // Refresh tokens are only ever their own client's business.
    const withWeather = await offlineTokens("openid weather offline_access");
    expect(await info(await introspect(withWeather.refresh_token ?? ""))).toEqual({ active: false });
    expect((await info(await introspect(withWeather.access_token))).active).toBe(true);
  });

  it("answers inactive for expired, malformed and forged tokens", async () => {
    const { access_token: token } = await (
      await clientCredentials("demo-service", "demo-service-secret")
    ).json<Tokens>();
    const [h, p] = token.split(".");
    for (const bad of ["garbage", `${h}.${p}.AAAA`, `${"a".repeat(64)}.${"b".repeat(43)}`]) {
      expect(await info(await introspect(bad))).toEqual({ active: false });
    }
    setClockOffset(3601);
    try {
      expect(await info(await introspect(token))).toEqual({ active: false });
    } finally {
      setClockOffset(0);
    }
  });

  it("requires client authentication: none is 401 invalid_client, a public client too", async () => {
    const res = await exports.default.fetch(`${ISSUER}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=x",
    });
    await expectOAuthError(res, 401, "invalid_client");
    const spa = await exports.default.fetch(`${ISSUER}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "token=x&client_id=demo-spa",
    });
    await expectOAuthError(spa, 401, "invalid_client");
  });

  it("a missing token is invalid_request", async () => {
    const res = await exports.default.fetch(`${ISSUER}/introspect`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basic("weather-api", "weather-api-secret"),
      },
      body: "",
    });
    await expectOAuthError(res, 400, "invalid_request");
  });

  it("answers a signed JWT with Accept: application/token-introspection+jwt (RFC 9701)", async () => {
    const { access_token: token } = await (
      await clientCredentials("demo-service", "demo-service-secret")
    ).json<Tokens>();
    const res = await introspect(token, basic("weather-api", "weather-api-secret"), {
      accept: "application/token-introspection+jwt",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/token-introspection+jwt");
    const jwt = await res.text();
    expect(decodeProtectedHeader(jwt).typ).toBe("token-introspection+jwt");
    const jwks = await (await exports.default.fetch(`${ISSUER}/jwks`)).json<{ keys: [] }>();
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: "weather-api",
      typ: "token-introspection+jwt",
    });
    expect(payload.token_introspection).toMatchObject({ active: true, client_id: "demo-service", scope: "weather" });
  });
});
