// Interop: oauth4webapi (a strict, certified OAuth 2.0 / OpenID Connect client) against the provider under
// `wrangler dev`: discovery, the code flow with PKCE S256 and the login done over HTTP, ID token validation
// (claims and signature), UserInfo, refresh with rotation, introspection, revocation, client_credentials, every
// client authentication method, and RP-initiated logout. Nothing is relaxed except allowInsecureRequests, which
// the issuer needs: it runs on http://127.0.0.1 here (oauth4webapi refuses non-https endpoints otherwise).
import * as oauth from "oauth4webapi";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CookieJar, drive, parseForms } from "../e2e/browserless";
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
/** The loopback issuer is plain http: the only relaxation of oauth4webapi's defaults. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;

function clientAuth(registered: RegisteredClient): oauth.ClientAuth {
  const { secret = "", privateKey } = registered;
  switch (registered.method) {
    case "client_secret_basic":
      return oauth.ClientSecretBasic(secret);
    case "client_secret_post":
      return oauth.ClientSecretPost(secret);
    case "client_secret_jwt":
      return oauth.ClientSecretJwt(secret);
    case "private_key_jwt":
      if (!privateKey) throw new Error("no private key");
      return oauth.PrivateKeyJwt({ key: privateKey.key, kid: privateKey.kid });
    case "none":
      return oauth.None();
  }
}

describe("oauth4webapi", () => {
  let as: oauth.AuthorizationServer;
  const registered = new Map<AuthMethod, RegisteredClient>();

  function clientFor(method: AuthMethod): RegisteredClient {
    const found = registered.get(method);
    if (!found) throw new Error(`no client for ${method}`);
    return found;
  }

  beforeAll(async () => {
    const res = await oauth.discoveryRequest(new URL(issuer), { algorithm: "oidc", ...insecure });
    as = await oauth.processDiscoveryResponse(new URL(issuer), res);
    for (const method of AUTH_METHODS) registered.set(method, await registerClient(issuer, "o4w", method));
  });

  /** The code flow with PKCE S256 in `jar`'s browser; the ID token's claims and signature validated. */
  async function codeFlow(registeredClient: RegisteredClient, jar: CookieJar) {
    const client: oauth.Client = { client_id: registeredClient.clientId };
    const auth = clientAuth(registeredClient);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint ?? "");
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: SCOPE,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const driven = await drive(url, { ...USER, jar });
    if (driven.kind !== "redirect") throw new Error(`expected a redirect, got ${driven.kind}`);
    // Checks state and, since discovery announces it (RFC 9207), the iss parameter.
    const params = oauth.validateAuthResponse(as, client, driven.url, state);
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    // Claims (iss, aud, exp, iat, nonce, azp) were validated above; the signature against the published JWKS here.
    await oauth.validateApplicationLevelSignature(as, res, insecure);
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    if (!claims) throw new Error("no ID token claims");
    return { client, auth, tokens, claims };
  }

  it("discovery: the issuer's metadata", () => {
    expect(as.issuer).toBe(issuer);
    expect(as.code_challenge_methods_supported).toContain("S256");
    expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining([...AUTH_METHODS]));
  });

  it("discovery: RP-initiated and back-channel logout", () => {
    expect(as.end_session_endpoint).toBe(`${issuer}/logout`);
    expect(as["backchannel_logout_supported"]).toBe(true);
    expect(as["backchannel_logout_session_supported"]).toBe(true);
  });

  for (const method of AUTH_METHODS) {
    it(`${method}: code + PKCE, ID token, UserInfo, refresh with rotation, introspection, revocation`, async () => {
      const { client, auth, tokens, claims } = await codeFlow(clientFor(method), new CookieJar());
      expect(claims.iss).toBe(issuer);
      expect(claims.aud).toContain(client.client_id);
      expect(tokens.token_type).toBe("bearer");
      expect(tokens.scope?.split(" ")).toEqual(expect.arrayContaining(SCOPE.split(" ")));

      const userinfo = await oauth.processUserInfoResponse(
        as,
        client,
        claims.sub,
        await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
      );
      expect(userinfo.sub).toBe(claims.sub);
      expect(typeof userinfo.email).toBe("string");

      const first = tokens.refresh_token;
      if (first === undefined) throw new Error("no refresh token (offline_access was asked for)");
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, first, insecure),
      );
      // Rotation (RFC 9700 §4.14.2): a new refresh token each time; the refreshed ID token keeps sub (OIDC Core §12.2).
      expect(refreshed.refresh_token).toBeDefined();
      expect(refreshed.refresh_token).not.toBe(first);
      expect(oauth.getValidatedIdTokenClaims(refreshed)?.sub).toBe(claims.sub);
      const current = refreshed.refresh_token ?? "";

      const introspect = async (token: string) =>
        oauth.processIntrospectionResponse(
          as,
          client,
          await oauth.introspectionRequest(as, client, auth, token, insecure),
        );
      const active = await introspect(refreshed.access_token);
      expect(active.active).toBe(true);
      expect(active.client_id).toBe(client.client_id);
      expect(active.sub).toBe(claims.sub);

      // RFC 7009 §2.2: 200 on success; the refresh token is then dead for introspection and for the grant.
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, current, insecure));
      expect((await introspect(current)).active).toBe(false);
      const reuse = oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, current, insecure),
      );
      await expect(reuse).rejects.toMatchObject({ error: "invalid_grant" });
    });

    it(`${method}: client_credentials, and introspection of that token`, async () => {
      const registeredClient = clientFor(method);
      const client: oauth.Client = { client_id: registeredClient.clientId };
      const auth = clientAuth(registeredClient);
      const tokens = await oauth.processClientCredentialsResponse(
        as,
        client,
        await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: SERVICE_SCOPE }, insecure),
      );
      expect(tokens.scope).toBe(SERVICE_SCOPE);
      expect(tokens.id_token).toBeUndefined();
      expect(tokens.refresh_token).toBeUndefined();
      const introspection = await oauth.processIntrospectionResponse(
        as,
        client,
        await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure),
      );
      expect(introspection.active).toBe(true);
      expect(introspection.client_id).toBe(client.client_id);
    });
  }

  it("RP-initiated logout: back at post_logout_redirect_uri with state, then prompt=none needs a login", async () => {
    const jar = new CookieJar();
    const registeredClient = clientFor("client_secret_basic");
    const { tokens } = await codeFlow(registeredClient, jar);
    // oauth4webapi has no end-session helper: the request of RP-Initiated Logout 1.0 §2, from discovery.
    const state = oauth.generateRandomState();
    if (as.end_session_endpoint === undefined) throw new Error("discovery has no end_session_endpoint");
    const endSessionUrl = new URL(as.end_session_endpoint);
    endSessionUrl.search = new URLSearchParams({
      id_token_hint: tokens.id_token ?? "",
      post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
      client_id: registeredClient.clientId,
      state,
    }).toString();
    await expectLogout({
      jar,
      endSessionUrl,
      state,
      authorizationEndpoint: as.authorization_endpoint ?? "",
      clientId: registeredClient.clientId,
    });
  });

  it("RP-initiated logout that cannot be tied to the session: a confirmation page, no redirect", async () => {
    const jar = new CookieJar();
    const registeredClient = clientFor("client_secret_basic");
    await codeFlow(registeredClient, jar);
    const url = new URL(`${issuer}/logout`);
    url.search = new URLSearchParams({
      client_id: registeredClient.clientId,
      post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
      state: oauth.generateRandomState(),
    }).toString();
    // A signed-in browser and no id_token_hint: RP-Initiated Logout 1.0 §2 asks the user to confirm.
    const cookie = jar.header(url);
    const res = await fetch(url, { redirect: "manual", headers: cookie === undefined ? {} : { cookie } });
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const form = parseForms(html, url).find((f) =>
      f.controls.some((c) => c.tag === "button" && c.name === "decision" && c.value === "logout"),
    );
    expect(form?.method).toBe("POST");
    expect(form?.action.href).toBe(`${issuer}/logout`);
  });

  it("RP-initiated logout never redirects to an unregistered post_logout_redirect_uri", async () => {
    const url = new URL(`${issuer}/logout`);
    url.search = new URLSearchParams({
      client_id: clientFor("client_secret_basic").clientId,
      post_logout_redirect_uri: "https://attacker.example/",
      state: oauth.generateRandomState(),
    }).toString();
    const res = await fetch(url, { redirect: "manual" });
    await res.body?.cancel();
    // RP-Initiated Logout 1.0 §3: the value MUST have been registered; no open redirect.
    expect(res.headers.get("location") ?? "").not.toContain("attacker.example");
  });
});
