// Interop: openid-client v6 (a certified OpenID Connect relying party) against the provider under `wrangler dev`:
// discovery, the code flow with PKCE S256 and the login done over HTTP, ID token validation, UserInfo, refresh
// with rotation, introspection, revocation, client_credentials, every client authentication method (including
// its default, client_secret_post, when it is given only a secret), and RP-initiated logout through
// buildEndSessionUrl. allowInsecureRequests only because the loopback issuer is plain http.
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as client from "openid-client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CookieJar, drive } from "../e2e/browserless";
import {
  AUTH_METHODS,
  POST_LOGOUT_REDIRECT_URI,
  REDIRECT_URI,
  SCOPE,
  SERVICE_SCOPE,
  USER,
  expectLogout,
  registerClient,
  type AuthMethod,
  type RegisteredClient,
} from "./support";

const issuer = inject("issuer");

/** The library's ClientAuth for the method; undefined for client_secret_post, to exercise openid-client's default. */
function clientAuth(registered: RegisteredClient): client.ClientAuth | undefined {
  const { secret, privateKey } = registered;
  switch (registered.method) {
    case "client_secret_basic":
      return client.ClientSecretBasic(secret);
    case "client_secret_post":
      return undefined;
    case "client_secret_jwt":
      return client.ClientSecretJwt(secret);
    case "private_key_jwt":
      if (!privateKey) throw new Error("no private key");
      return client.PrivateKeyJwt({ key: privateKey.key, kid: privateKey.kid });
    case "none":
      return client.None();
  }
}

async function configure(registered: RegisteredClient): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), registered.clientId, registered.secret, clientAuth(registered), {
    execute: [client.allowInsecureRequests],
  });
}

describe("openid-client", () => {
  const registered = new Map<AuthMethod, RegisteredClient>();

  function clientFor(method: AuthMethod): RegisteredClient {
    const found = registered.get(method);
    if (!found) throw new Error(`no client for ${method}`);
    return found;
  }

  beforeAll(async () => {
    for (const method of AUTH_METHODS) registered.set(method, await registerClient(issuer, "oc", method));
  });

  /** The code flow with PKCE S256 in `jar`'s browser; openid-client validates the ID token (and we, its signature). */
  async function codeFlow(config: client.Configuration, jar: CookieJar) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    const driven = await drive(url, { ...USER, jar });
    if (driven.kind !== "redirect") throw new Error(`expected a redirect, got ${driven.kind}`);
    const tokens = await client.authorizationCodeGrant(config, driven.url, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error("no ID token claims");
    const jwksUri = config.serverMetadata().jwks_uri ?? "";
    await jwtVerify(tokens.id_token ?? "", createRemoteJWKSet(new URL(jwksUri)), {
      issuer,
      audience: config.clientMetadata().client_id,
    });
    return { tokens, claims };
  }

  it("discovery: the issuer's metadata", async () => {
    const metadata = (await configure(clientFor("client_secret_basic"))).serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.code_challenge_methods_supported).toContain("S256");
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining([...AUTH_METHODS]));
  });

  for (const method of AUTH_METHODS) {
    it(`${method}: code + PKCE, ID token, UserInfo, refresh with rotation, introspection, revocation`, async () => {
      const registeredClient = clientFor(method);
      const config = await configure(registeredClient);
      const { tokens, claims } = await codeFlow(config, new CookieJar());
      expect(claims.iss).toBe(issuer);
      expect(claims.aud).toContain(registeredClient.clientId);

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      expect(userinfo.sub).toBe(claims.sub);
      expect(typeof userinfo.email).toBe("string");

      const first = tokens.refresh_token;
      if (first === undefined) throw new Error("no refresh token (offline_access was asked for)");
      const refreshed = await client.refreshTokenGrant(config, first);
      // Rotation (RFC 9700 §4.14.2); the refreshed ID token keeps sub (OIDC Core §12.2).
      expect(refreshed.refresh_token).toBeDefined();
      expect(refreshed.refresh_token).not.toBe(first);
      expect(refreshed.claims()?.sub).toBe(claims.sub);
      const current = refreshed.refresh_token ?? "";

      const active = await client.tokenIntrospection(config, refreshed.access_token);
      expect(active.active).toBe(true);
      expect(active.client_id).toBe(registeredClient.clientId);
      expect(active.sub).toBe(claims.sub);

      await client.tokenRevocation(config, current, { token_type_hint: "refresh_token" });
      expect((await client.tokenIntrospection(config, current)).active).toBe(false);
      await expect(client.refreshTokenGrant(config, current)).rejects.toMatchObject({ error: "invalid_grant" });
    });

    it(`${method}: client_credentials, and introspection of that token`, async () => {
      const registeredClient = clientFor(method);
      const config = await configure(registeredClient);
      const tokens = await client.clientCredentialsGrant(config, { scope: SERVICE_SCOPE });
      expect(tokens.scope).toBe(SERVICE_SCOPE);
      expect(tokens.id_token).toBeUndefined();
      expect(tokens.refresh_token).toBeUndefined();
      const introspection = await client.tokenIntrospection(config, tokens.access_token);
      expect(introspection.active).toBe(true);
      expect(introspection.client_id).toBe(registeredClient.clientId);
    });
  }

  it("RP-initiated logout (buildEndSessionUrl): back with state, then prompt=none needs a login", async () => {
    const jar = new CookieJar();
    const registeredClient = clientFor("client_secret_post");
    const config = await configure(registeredClient);
    const { tokens } = await codeFlow(config, jar);
    const state = client.randomState();
    // Throws when discovery has no end_session_endpoint.
    const endSessionUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? "",
      post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
      state,
    });
    expect(endSessionUrl.origin + endSessionUrl.pathname).toBe(`${issuer}/logout`);
    // openid-client adds client_id (RP-Initiated Logout 1.0 §2).
    expect(endSessionUrl.searchParams.get("client_id")).toBe(registeredClient.clientId);
    await expectLogout({
      jar,
      endSessionUrl,
      state,
      authorizationEndpoint: config.serverMetadata().authorization_endpoint ?? "",
      clientId: registeredClient.clientId,
    });
  });
});
