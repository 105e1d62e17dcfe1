// HS256 ID tokens signed with the client secret (OIDC Core §10.1), verified with jose exactly as a client would.
import { base64url, decodeProtectedHeader, jwtVerify } from "jose";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import { sha256Base64url } from "../../src/lib/crypto";
import { Browser, DEMO_REDIRECT, ISSUER, authorize, basic, codeFor, redeem, refresh, verifyWithJwks } from "../helpers";
import { SECRET, registerClient, tokensFor } from "./fixtures";

const secretKey = new TextEncoder().encode(SECRET);

beforeAll(async () => {
  await registerClient({ client_id: "hs256-client", id_token_signed_response_alg: "HS256" });
});

describe("HS256 ID tokens (OIDC Core §10.1)", () => {
  it("are signed with the octets of the client secret, carry no kid, and have a SHA-256 at_hash", async () => {
    const tokens = await tokensFor("hs256-client", { nonce: "n-hs256" });
    const idToken = tokens.id_token ?? "";
    expect(decodeProtectedHeader(idToken)).toEqual({ alg: "HS256", typ: "JWT" });
    const { payload } = await jwtVerify(idToken, secretKey, {
      issuer: ISSUER,
      audience: "hs256-client",
      algorithms: ["HS256"],
    });
    expect(payload.nonce).toBe("n-hs256");
    expect(payload.azp).toBe("hs256-client");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tokens.access_token)));
    expect(payload.at_hash).toBe(base64url.encode(digest.slice(0, 16)));
    // Not signed by any published key; the access token still is.
    await expect(verifyWithJwks(idToken, "hs256-client")).rejects.toThrow();
    expect((await verifyWithJwks(tokens.access_token, ISSUER, "at+jwt")).sub).toBe(payload.sub);
  });

  it("a wrong secret does not verify", async () => {
    const tokens = await tokensFor("hs256-client");
    const wrong = new TextEncoder().encode(`${SECRET}x`);
    await expect(jwtVerify(tokens.id_token ?? "", wrong, { algorithms: ["HS256"] })).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });

  it("are issued again on refresh, still HS256 and without a nonce (OIDC Core §12.2)", async () => {
    const tokens = await tokensFor("hs256-client", { scope: "openid offline_access", nonce: "n1" });
    const refreshed = await refresh(tokens.refresh_token ?? "", {}, basic("hs256-client", SECRET));
    expect(refreshed.status).toBe(200);
    const idToken = (await refreshed.json<{ id_token: string }>()).id_token;
    const { payload } = await jwtVerify(idToken, secretKey, {
      issuer: ISSUER,
      audience: "hs256-client",
      algorithms: ["HS256"],
    });
    expect(payload).not.toHaveProperty("nonce");
  });

  it("an HS256 ID token is a valid id_token_hint for its client", async () => {
    const browser = new Browser();
    const tokens = await tokensFor("hs256-client", {}, browser);
    const location = await authorize(browser, {
      client_id: "hs256-client",
      prompt: "none",
      id_token_hint: tokens.id_token ?? "",
    });
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("a client registered for HS256 without a recoverable secret gets no token signed some other way", async () => {
    await saveClient(env, {
      v: 1,
      client_id: "hs256-no-secret",
      client_secret_hash: await sha256Base64url(SECRET),
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [DEMO_REDIRECT],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      scope: "openid",
      id_token_signed_response_alg: "HS256",
      skip_consent: true,
    });
    const code = await codeFor(new Browser(), { client_id: "hs256-no-secret", scope: "openid" });
    const res = await redeem(code, {}, basic("hs256-no-secret", SECRET));
    expect(res.status).toBe(500);
    expect((await res.json<{ error: string }>()).error).toBe("server_error");
  });
});
