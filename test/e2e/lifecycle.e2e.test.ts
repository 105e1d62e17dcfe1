// End-to-end: the token lifecycle against `wrangler dev`, through openid-client: refresh with rotation,
// client credentials, the password grant, introspection (JSON and RFC 9701 JWT) and revocation.
import * as client from "openid-client";
import { describe, expect, inject, it } from "vitest";
import { drive } from "./browserless";

const issuer = inject("issuer");
const REDIRECT = "http://localhost:3000/callback";

function configure(clientId: string, secret: string, metadata: Partial<client.ClientMetadata> = {}) {
  return client.discovery(new URL(issuer), clientId, metadata, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

async function offlineTokens(config: client.Configuration) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: "openid profile email offline_access",
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  const driven = await drive(url, { username: "spoon", password: "spoon" });
  if (driven.kind !== "redirect") throw new Error("expected a query response");
  return client.authorizationCodeGrant(config, driven.url, { pkceCodeVerifier: verifier, expectedState: state });
}

describe("token lifecycle through openid-client", () => {
  it("refreshes with rotation; the old refresh token replayed later revokes the grant", async () => {
    const config = await configure("demo", "demo-secret");
    const first = await offlineTokens(config);
    expect(first.refresh_token).toBeTruthy();
    const second = await client.refreshTokenGrant(config, first.refresh_token ?? "");
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.claims()?.sub).toBe(first.claims()?.sub);
    // Narrowing the scope on refresh.
    const narrowed = await client.refreshTokenGrant(config, second.refresh_token ?? "", { scope: "openid email" });
    expect(narrowed.scope).toBe("openid email");
    const info = await client.fetchUserInfo(config, narrowed.access_token, first.claims()?.sub ?? "");
    expect(info.email).toBe("spoon@example.com");
    expect(info.name).toBeUndefined();
  });

  it("client credentials, introspected as JSON and as a signed JWT by the resource server", async () => {
    const service = await configure("demo-service", "demo-service-secret");
    const tokens = await client.clientCredentialsGrant(service, { scope: "weather" });
    expect(tokens.scope).toBe("weather");
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeUndefined();

    const api = await configure("weather-api", "weather-api-secret");
    const json = await client.tokenIntrospection(api, tokens.access_token);
    expect(json).toMatchObject({ active: true, client_id: "demo-service", scope: "weather", iss: issuer });

    // RFC 9701: openid-client asks for and validates the JWT response (typ, iss, aud, signature via JWKS).
    const apiJwt = await configure("weather-api", "weather-api-secret", { introspection_signed_response_alg: "RS256" });
    const signed = await client.tokenIntrospection(apiJwt, tokens.access_token);
    expect(signed).toMatchObject({ active: true, client_id: "demo-service", scope: "weather" });
  });

  it("password grant with an ID token and a refresh token", async () => {
    const config = await configure("demo", "demo-secret");
    const tokens = await client.genericGrantRequest(config, "password", {
      username: "spoon",
      password: "spoon",
      scope: "openid weather offline_access",
    });
    expect(tokens.claims()?.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    expect(tokens.refresh_token).toBeTruthy();
    await expect(
      client.genericGrantRequest(config, "password", { username: "spoon", password: "wrong", scope: "openid" }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("revocation: a revoked refresh token is refused and its access token inactive", async () => {
    const config = await configure("demo", "demo-secret");
    const tokens = await offlineTokens(config);
    await client.tokenRevocation(config, tokens.refresh_token ?? "", { token_type_hint: "refresh_token" });
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const api = await configure("weather-api", "weather-api-secret");
    expect((await client.tokenIntrospection(api, tokens.access_token)).active).toBe(false);
    await expect(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck)).rejects.toBeTruthy();
  });

  it("an opaque access token (client configured for tokens by reference) is revoked and goes inactive", async () => {
    const service = await configure("demo-service-ref", "demo-service-secret");
    const tokens = await client.clientCredentialsGrant(service, { scope: "weather" });
    const api = await configure("weather-api", "weather-api-secret");
    expect((await client.tokenIntrospection(api, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(service, tokens.access_token);
    expect((await client.tokenIntrospection(api, tokens.access_token)).active).toBe(false);
  });
});
