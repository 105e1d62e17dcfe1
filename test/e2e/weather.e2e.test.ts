// End-to-end: the weather example API (examples/weather) under `wrangler dev`, protected by edge-oidc/resource
// and reaching the provider through its service binding. Clients get tokens from the provider with a certified
// relying-party library (openid-client v6) and call the API over real HTTP.
import * as client from "openid-client";
import { describe, expect, inject, it } from "vitest";
import { DpopClient } from "../resource/dpop-client";

const issuer = inject("issuer");
const weatherUrl = inject("weatherUrl");
/** The weather API takes DPoP-bound tokens too (RFC 9449 §7.2): its answers offer the DPoP challenge as well. */
const DPOP_CHALLENGE = 'DPoP realm="weather", algs="ES256 ES384 EdDSA Ed25519 RS256 PS256"';

async function configure(clientId: string, secret: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

async function serviceToken(
  clientId: string,
  secret: string,
  scope: string,
): Promise<{ token: string; config: client.Configuration }> {
  const config = await configure(clientId, secret);
  const tokens = await client.clientCredentialsGrant(config, { scope });
  return { token: tokens.access_token, config };
}

const weather = (path: string, token?: string) =>
  fetch(`${weatherUrl}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

describe("weather API end to end", () => {
  it("no token: 401 with the bare Bearer and DPoP challenges", async () => {
    const res = await weather("/current?zipcode=90210");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="weather", ${DPOP_CHALLENGE}`);
  });

  it("demo-service gets a token by client credentials and reads the weather (200)", async () => {
    const { token } = await serviceToken("demo-service", "demo-service-secret", "weather");
    const current = await weather("/current?zipcode=90210", token);
    expect(current.status).toBe(200);
    expect(await current.json()).toEqual({
      zip: "90210",
      temperature: 72,
      humidity: 45,
      city: "Beverly Hills",
      state: "CA",
    });
    const today = await weather("/today?zipcode=90210", token);
    expect(today.status).toBe(200);
    expect(await today.json()).toMatchObject({ zip: "90210", city: "Beverly Hills", state: "CA", high: 78, low: 60 });
    const unknown = await weather("/current?zipcode=12345", token);
    expect(unknown.status).toBe(404);
  });

  it("a token for the weather API without the weather scope: 403 insufficient_scope naming the scope", async () => {
    // RFC 8707: the client asks for the weather API as audience, with a scope that does not allow reading it.
    const config = await configure("demo", "demo-secret");
    const tokens = await client.clientCredentialsGrant(config, {
      scope: "profile",
      resource: "urn:edge-oidc:api:weather",
    });
    const res = await weather("/current?zipcode=90210", tokens.access_token);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(res.headers.get("www-authenticate")).toContain('scope="weather"');
  });

  it("a token meant for another audience is refused: 401 invalid_token", async () => {
    // Without the weather scope or resource, the provider does not put the weather API in `aud` (RFC 9068 §4).
    const { token } = await serviceToken("demo", "demo-secret", "profile");
    const res = await weather("/current?zipcode=90210", token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="weather", error="invalid_token", error_description="the access token is not meant for this API", ${DPOP_CHALLENGE}`,
    );
  });

  it("an opaque token (demo-service-ref) is introspected: 200; once revoked: 401", async () => {
    const used = await serviceToken("demo-service-ref", "demo-service-secret", "weather");
    expect(used.token).toMatch(/^cc_[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    expect((await weather("/current?zipcode=10001", used.token)).status).toBe(200);

    const revoked = await serviceToken("demo-service-ref", "demo-service-secret", "weather");
    await client.tokenRevocation(revoked.config, revoked.token);
    const res = await weather("/current?zipcode=10001", revoked.token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="weather", error="invalid_token", error_description="the access token is not active", ${DPOP_CHALLENGE}`,
    );
  });

  it("a garbage token: 401 invalid_token", async () => {
    const res = await weather("/current?zipcode=90210", "not-a-token.at-all.really");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="weather", error="invalid_token"/);
  });

  it("the provider's bearer token under the DPoP scheme, with a valid proof: 401 invalid_token, it is not bound", async () => {
    const { token } = await serviceToken("demo-service", "demo-service-secret", "weather");
    const dpop = await DpopClient.create({ now: Math.floor(Date.now() / 1000) });
    const url = `${weatherUrl}/current`;
    const res = await fetch(`${url}?zipcode=90210`, {
      headers: { authorization: `DPoP ${token}`, dpop: await dpop.proof("GET", url, token) },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="weather", DPoP realm="weather", error="invalid_token", error_description="the access token is not DPoP-bound: present it as a bearer token", algs="ES256 ES384 EdDSA Ed25519 RS256 PS256"',
    );
    const noProof = await fetch(`${url}?zipcode=90210`, { headers: { authorization: `DPoP ${token}` } });
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get("www-authenticate")).toContain('error="invalid_dpop_proof"');
  });
});
