// Interop: oauth4webapi drives the protected request flavours end to end against the provider under
// `wrangler dev`: a signed request object (RFC 9101) pushed to the PAR endpoint (RFC 9126) with a DPoP proof
// (RFC 9449 §10.1), the sign-in, the code redeemed for DPoP-bound tokens with the server's nonce (§8), UserInfo
// and the weather API called with fresh proofs (§7), a refresh of a public client's key-bound refresh token (§5),
// and the refusals a client sees when it drops the proof. oauth4webapi handles the DPoP-Nonce header itself;
// a use_dpop_nonce answer is retried once, as its documentation says a client should.
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import * as oauth from "oauth4webapi";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { CookieJar, drive } from "../e2e/browserless";
import { REDIRECT_URI, SCOPE, USER, adminRegister } from "./support";

const issuer = inject("issuer");
const weatherUrl = inject("weatherUrl");
/** The loopback issuer is plain http: the only relaxation of oauth4webapi's defaults. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const WEATHER = `${weatherUrl}/current?zipcode=90210`;

/** Runs a request; when the server asks for a (new) DPoP nonce, once more: the handle now holds it. */
async function withNonceRetry<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return request();
  }
}

interface Signer {
  key: CryptoKey;
  kid: string;
}

/** A client that must push its requests and bind its tokens; ES256 keys for its assertions and request objects. */
async function registerProtectedClient(method: "private_key_jwt" | "none"): Promise<{
  client: oauth.Client;
  auth: oauth.ClientAuth;
  signer: Signer;
}> {
  const pair = await generateKeyPair("ES256", { extractable: true });
  const kid = `par-${crypto.randomUUID().slice(0, 8)}`;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256", use: "sig" };
  const clientId = `interop-dpop-${method}-${crypto.randomUUID().slice(0, 8)}`;
  await adminRegister(issuer, {
    client_id: clientId,
    client_name: `Interop DPoP (${method})`,
    token_endpoint_auth_method: method,
    ...(method === "private_key_jwt" ? { token_endpoint_auth_signing_alg: "ES256" } : {}),
    jwks: { keys: [jwk] },
    redirect_uris: [REDIRECT_URI],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    scope: `${SCOPE} weather`,
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
    request_object_signing_alg: "ES256",
  });
  const signer = { key: pair.privateKey, kid };
  const auth = method === "none" ? oauth.None() : oauth.PrivateKeyJwt(signer);
  return { client: { client_id: clientId }, auth, signer };
}

describe("oauth4webapi: PAR + signed request object + DPoP with nonces", () => {
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    const res = await oauth.discoveryRequest(new URL(issuer), { algorithm: "oidc", ...insecure });
    as = await oauth.processDiscoveryResponse(new URL(issuer), res);
  });

  /** JAR in PAR (with a DPoP proof when `dpop` is given), then the sign-in: the code, to redeem. */
  async function authorize(client: oauth.Client, auth: oauth.ClientAuth, signer: Signer, dpop?: oauth.DPoPHandle) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const request = await oauth.issueRequestObject(
      as,
      client,
      {
        redirect_uri: REDIRECT_URI,
        response_type: "code",
        scope: `${SCOPE} weather`,
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
      },
      signer,
    );
    const pushed = await withNonceRetry(async () =>
      oauth.processPushedAuthorizationResponse(
        as,
        client,
        await oauth.pushedAuthorizationRequest(
          as,
          client,
          auth,
          { request },
          { ...(dpop ? { DPoP: dpop } : {}), ...insecure },
        ),
      ),
    );
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const url = new URL(as.authorization_endpoint ?? "");
    url.search = new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri }).toString();
    const driven = await drive(url, { ...USER, jar: new CookieJar() });
    if (driven.kind !== "redirect") throw new Error(`expected a redirect, got ${driven.kind}`);
    return { params: oauth.validateAuthResponse(as, client, driven.url, state), verifier, nonce };
  }

  /** The whole sign-in, the code redeemed with a proof of the same key as the push. */
  async function signIn(client: oauth.Client, auth: oauth.ClientAuth, signer: Signer, dpop: oauth.DPoPHandle) {
    const { params, verifier, nonce } = await authorize(client, auth, signer, dpop);
    return withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, {
          DPoP: dpop,
          ...insecure,
        }),
        { expectedNonce: nonce, requireIdToken: true },
      ),
    );
  }

  it("discovery announces DPoP, PAR and request objects", () => {
    expect(as.dpop_signing_alg_values_supported).toContain("ES256");
    expect(as.pushed_authorization_request_endpoint).toBe(`${issuer}/par`);
    expect(as.request_parameter_supported).toBe(true);
    expect(as.request_object_signing_alg_values_supported).toContain("ES256");
  });

  it("private_key_jwt: DPoP-bound tokens; UserInfo and the weather API take them only with a fresh proof", async () => {
    const { client, auth, signer } = await registerProtectedClient("private_key_jwt");
    const keyPair = await generateKeyPair("ES256");
    const dpop = oauth.DPoP(client, keyPair);
    const tokens = await signIn(client, auth, signer, dpop);

    // RFC 9449 §5.1 token_type DPoP (oauth4webapi lower-cases it) and §6.1 cnf.jkt = the proof key's thumbprint.
    expect(tokens.token_type).toBe("dpop");
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    expect(decodeJwt(tokens.access_token)["cnf"]).toEqual({ jkt });

    const userinfo = await withNonceRetry(async () =>
      oauth.processUserInfoResponse(
        as,
        client,
        oauth.skipSubjectCheck,
        await oauth.userInfoRequest(as, client, tokens.access_token, { DPoP: dpop, ...insecure }),
      ),
    );
    expect(typeof userinfo.sub).toBe("string");

    // The weather API (edge-oidc/resource) accepts the bound token with a fresh proof...
    const forecast: unknown = await withNonceRetry(async (): Promise<unknown> => {
      const res = await oauth.protectedResourceRequest(
        tokens.access_token,
        "GET",
        new URL(WEATHER),
        new Headers(),
        null,
        { DPoP: dpop, ...insecure },
      );
      if (res.status !== 200) throw new Error(`weather API: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    });
    expect(forecast).toHaveProperty("temperature");
    // ...and refuses it as a bearer token, telling the client to use DPoP (§7.1, §7.2).
    const asBearer = await fetch(WEATHER, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("www-authenticate")).toMatch(/DPoP /);
    const asBearerAtUserinfo = await fetch(`${issuer}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asBearerAtUserinfo.status).toBe(401);
    // And without any proof under the DPoP scheme.
    const noProof = await fetch(WEATHER, { headers: { authorization: `DPoP ${tokens.access_token}` } });
    expect(noProof.status).toBe(401);
  });

  it("public client: its refresh token is bound to its key; a refresh with another key is refused", async () => {
    const { client, auth, signer } = await registerProtectedClient("none");
    const dpop = oauth.DPoP(client, await generateKeyPair("ES256"));
    const tokens = await signIn(client, auth, signer, dpop);
    const refreshToken = tokens.refresh_token;
    if (refreshToken === undefined) throw new Error("no refresh token (offline_access was asked for)");

    const thief = oauth.DPoP(client, await generateKeyPair("ES256"));
    const stolen = withNonceRetry(async () =>
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { DPoP: thief, ...insecure }),
      ),
    );
    await expect(stolen).rejects.toMatchObject({ error: "invalid_grant" });

    const refreshed = await withNonceRetry(async () =>
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { DPoP: dpop, ...insecure }),
      ),
    );
    expect(refreshed.token_type).toBe("dpop");
    expect(refreshed.refresh_token).not.toBe(refreshToken);
  });

  it("a client registered for DPoP and PAR is refused without them", async () => {
    const { client, auth, signer } = await registerProtectedClient("private_key_jwt");
    // RFC 9126 §6 require_pushed_authorization_requests: a request that was not pushed is refused.
    const url = new URL(as.authorization_endpoint ?? "");
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "openid",
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: "S256",
    }).toString();
    const plain = await fetch(url, { redirect: "manual" });
    await plain.body?.cancel();
    const refused = plain.status === 400 || new URL(plain.headers.get("location") ?? "", url).searchParams.has("error");
    expect(refused, `HTTP ${plain.status}`).toBe(true);

    // RFC 9449 §5.2 dpop_bound_access_tokens: the code (pushed without a proof) cannot be redeemed without one.
    const { params, verifier } = await authorize(client, auth, signer);
    const redeemed = oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, insecure),
    );
    await expect(redeemed).rejects.toMatchObject({ error: "invalid_dpop_proof" });
  });
});
