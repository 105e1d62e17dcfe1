// RFC 9449 §7 at userinfo, the provider's own protected resource: `Authorization: DPoP` with a proof carrying ath
// (§4.3, §7.1), the proof's key the token's cnf.jkt, each proof once, nonces (§9); a bound token presented as
// Bearer, and a bearer token presented as DPoP, are refused. Challenges: DPoP with algs (§7.1), and Bearer too for
// bearer requests.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, basic, codeFor, expectOAuthError, redeem, DEMO_REDIRECT } from "../helpers";
import { accessTokenHash } from "../../src/resource/dpop-proof";
import {
  DpopKey,
  USERINFO_URL,
  ath,
  currentNonce,
  dpopTokenRequest,
  opaqueWebClient,
  userinfoRequest,
  type ProofOptions,
} from "./support";

const ALGS = 'algs="ES256 ES384 EdDSA RS256 PS256"';

/** A DPoP-bound access token of the demo client (code flow), and its key. */
async function boundToken(
  authorization = basic("demo", "demo-secret"),
  clientId = "demo",
): Promise<{ token: string; key: DpopKey }> {
  const key = await DpopKey.generate();
  const code = await codeFor(new Browser(), { client_id: clientId, scope: "openid profile" });
  const res = await dpopTokenRequest(
    { grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT },
    authorization,
    [await key.proof({ nonce: await currentNonce() })],
  );
  const body = await res.json<{ access_token: string; token_type: string }>();
  expect(body.token_type).toBe("DPoP");
  return { token: body.access_token, key };
}

/** A proof for GET /userinfo with the token's ath and the current nonce, unless told otherwise. */
async function userinfoProof(key: DpopKey, token: string, options: ProofOptions = {}): Promise<string> {
  return key.proof({ htm: "GET", htu: USERINFO_URL, accessToken: token, nonce: await currentNonce(), ...options });
}

async function expectDpopRefusal(res: Response, error: string, status = 401): Promise<void> {
  await expectOAuthError(res, status, error);
  const challenge = res.headers.get("www-authenticate") ?? "";
  expect(challenge).toMatch(new RegExp(`^DPoP error="${error}"`));
  expect(challenge).toContain(ALGS);
}

describe("userinfo with a DPoP-bound token (RFC 9449 §7.1)", () => {
  it("answers `Authorization: DPoP` with a valid proof, and hands out the next nonce", async () => {
    const { token, key } = await boundToken();
    const res = await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("dpop-nonce")).toBeTruthy();
    expect(await res.json()).toHaveProperty("sub");
  });

  it("works for opaque bound tokens too (the key kept in the Grant's record)", async () => {
    const { client, authorization } = await opaqueWebClient();
    const { token, key } = await boundToken(authorization, client.client_id);
    expect(token.split(".")).toHaveLength(2);
    expect((await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token))).status).toBe(200);
    await expectDpopRefusal(
      await userinfoRequest(`DPoP ${token}`, await userinfoProof(await DpopKey.generate(), token)),
      "invalid_token",
    );
    const asBearer = await userinfoRequest(`Bearer ${token}`);
    await expectOAuthError(asBearer, 401, "invalid_token");
  });

  it("ath is the SHA-256 of the token, base64url (the RFC's example, §7.1)", async () => {
    const token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    const expected = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo";
    expect(await accessTokenHash(token)).toBe(expected);
    expect(await ath(token)).toBe(expected);
  });

  it("refuses the DPoP scheme without a proof", async () => {
    const { token } = await boundToken();
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`), "invalid_dpop_proof");
  });

  it("§4.3 item 12, §7.1: refuses a proof without ath, or with the hash of another token", async () => {
    const { token, key } = await boundToken();
    const withoutAth = await key.proof({ htm: "GET", htu: USERINFO_URL, nonce: await currentNonce() });
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`, withoutAth), "invalid_dpop_proof");
    const wrongAth = await userinfoProof(key, token, { accessToken: `${token}x` });
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`, wrongAth), "invalid_dpop_proof");
  });

  it("§4.3 items 8-9: refuses a proof made for another method or URL", async () => {
    const { token, key } = await boundToken();
    await expectDpopRefusal(
      await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token, { htm: "POST" })),
      "invalid_dpop_proof",
    );
    await expectDpopRefusal(
      await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token, { htu: `${USERINFO_URL}x` })),
      "invalid_dpop_proof",
    );
  });

  it("§7.1: refuses a proof of another key than the token's cnf.jkt", async () => {
    const { token } = await boundToken();
    const other = await DpopKey.generate();
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`, await userinfoProof(other, token)), "invalid_token");
  });

  it("§11.1: refuses a proof used before", async () => {
    const { token, key } = await boundToken();
    const proof = await userinfoProof(key, token);
    expect((await userinfoRequest(`DPoP ${token}`, proof)).status).toBe(200);
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`, proof), "invalid_dpop_proof");
  });

  it("§9: a proof without the current nonce gets 401 use_dpop_nonce with a DPoP-Nonce to retry with", async () => {
    const { token, key } = await boundToken();
    const res = await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token, { nonce: undefined }));
    await expectDpopRefusal(res, "use_dpop_nonce");
    const nonce = res.headers.get("dpop-nonce") ?? "";
    expect(nonce).not.toBe("");
    expect((await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token, { nonce }))).status).toBe(200);
  });

  it("refuses a bound token presented as a Bearer token, with both challenges", async () => {
    const { token } = await boundToken();
    const res = await userinfoRequest(`Bearer ${token}`);
    await expectOAuthError(res, 401, "invalid_token");
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(challenge).toContain(`DPoP ${ALGS}`);
    // Sent in the form body (RFC 6750 §2.2), likewise.
    const form = await exports.default.fetch(USERINFO_URL, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ access_token: token }).toString(),
    });
    await expectOAuthError(form, 401, "invalid_token");
  });

  it("refuses an unbound (bearer) token presented with the DPoP scheme", async () => {
    const res = await redeem(await codeFor(new Browser(), { scope: "openid profile" }));
    const { access_token: token } = await res.json<{ access_token: string }>();
    const key = await DpopKey.generate();
    await expectDpopRefusal(await userinfoRequest(`DPoP ${token}`, await userinfoProof(key, token)), "invalid_token");
    // The same token as a bearer token is fine.
    expect((await userinfoRequest(`Bearer ${token}`)).status).toBe(200);
  });

  it("a request without any token is challenged for both schemes", async () => {
    const res = await exports.default.fetch(USERINFO_URL);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="edge-oidc", DPoP ${ALGS}`);
  });
});
