// The verifier against the real provider (`exports.default`) reached as a service binding: real keys, real discovery,
// real tokens from the code flow and client credentials, real introspection and revocation.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyAccessToken, type VerifyAccessTokenOptions } from "../../src/resource";
import { Browser, ISSUER, basic, codeFor, redeem, tokenRequest } from "../helpers";

const WEATHER = "urn:edge-oidc:api:weather";
const clock = { now: Math.floor(Date.now() / 1000) };

const weather: VerifyAccessTokenOptions = {
  issuer: ISSUER,
  audience: WEATHER,
  scopes: ["weather"],
  fetcher: exports.default,
  introspection: { clientId: "weather-api", clientSecret: "weather-api-secret" },
  now: () => clock.now,
};

async function clientCredentials(client: string, secret: string, scope: string): Promise<string> {
  const res = await tokenRequest({ grant_type: "client_credentials", scope }, basic(client, secret));
  const body = await res.json<{ access_token?: string; error?: string }>();
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function codeFlowToken(scope: string): Promise<string> {
  const code = await codeFor(new Browser(), { scope });
  return (await (await redeem(code)).json<{ access_token: string }>()).access_token;
}

describe("verifier against the provider (service binding)", () => {
  it("accepts demo-service's client-credentials token for the weather API", async () => {
    const claims = await verifyAccessToken(
      await clientCredentials("demo-service", "demo-service-secret", "weather"),
      weather,
    );
    expect(claims).toMatchObject({ format: "jwt", iss: ISSUER, client_id: "demo-service", scopes: ["weather"] });
    expect(claims.aud).toContain(WEATHER);
  });

  it("accepts a code-flow token whose scope includes weather; refuses one without it (not for this API)", async () => {
    const claims = await verifyAccessToken(await codeFlowToken("openid weather"), weather);
    expect(claims).toMatchObject({ sub: "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c", client_id: "demo" });
    expect(typeof claims.auth_time).toBe("number");
    const other = await codeFlowToken("openid profile");
    await expect(verifyAccessToken(other, weather)).rejects.toMatchObject({
      code: "ERR_TOKEN_WRONG_AUDIENCE",
      status: 401,
    });
    // The same token is fine for an API that is the issuer itself (userinfo's audience).
    await expect(
      verifyAccessToken(other, { issuer: ISSUER, audience: ISSUER, fetcher: exports.default }),
    ).resolves.toMatchObject({ format: "jwt" });
  });

  it("an opaque token (demo-service-ref) is introspected, cached, and refused once revoked and the cache runs out", async () => {
    const token = await clientCredentials("demo-service-ref", "demo-service-secret", "weather");
    expect(token).toMatch(/^cc_[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    await expect(verifyAccessToken(token, weather)).resolves.toMatchObject({
      format: "opaque",
      client_id: "demo-service-ref",
      scopes: ["weather"],
    });
    const revoked = await exports.default.fetch(`${ISSUER}/revoke`, {
      method: "POST",
      headers: {
        authorization: basic("demo-service-ref", "demo-service-secret"),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(revoked.status).toBe(200);
    // Within the positive cache lifetime (30 s) the earlier answer stands; then introspection says inactive.
    await expect(verifyAccessToken(token, weather)).resolves.toMatchObject({ format: "opaque" });
    clock.now += 30;
    await expect(verifyAccessToken(token, weather)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE", status: 401 });
  });

  it("a revoked opaque token never seen before is refused at once", async () => {
    const token = await clientCredentials("demo-service-ref", "demo-service-secret", "weather");
    await exports.default.fetch(`${ISSUER}/revoke`, {
      method: "POST",
      headers: {
        authorization: basic("demo-service-ref", "demo-service-secret"),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token }).toString(),
    });
    await expect(verifyAccessToken(token, weather)).rejects.toMatchObject({ code: "ERR_TOKEN_INACTIVE" });
  });

  it("wrong introspection credentials are the API's problem (503), not the caller's", async () => {
    const token = await clientCredentials("demo-service-ref", "demo-service-secret", "weather");
    const wrong = { ...weather, introspection: { clientId: "weather-api", clientSecret: "nope" } };
    await expect(verifyAccessToken(token, wrong)).rejects.toMatchObject({
      code: "ERR_ISSUER_UNAVAILABLE",
      status: 503,
    });
  });
});
