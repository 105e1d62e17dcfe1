// No Durable Object work for a proof before the request has shown it is worth it: a DPoP proof's jti is recorded
// only once the request's own cheap checks pass (its client, code, refresh token, access token, pushed request). A
// refused request leaves the proof unspent, so the very same proof still works with a good request; a proof once
// accepted never works twice.
import { describe, expect, it } from "vitest";
import { basic, Browser, codeFor, DEMO_REDIRECT, expectOAuthError } from "../helpers";
import { demoRequest, PAR_ENDPOINT, push } from "../par/support";
import {
  CLIENT_CREDENTIALS,
  currentNonce,
  DpopKey,
  dpopTokenRequest,
  SERVICE,
  userinfoRequest,
  USERINFO_URL,
} from "./support";

const DEMO = basic("demo", "demo-secret");

describe("a DPoP proof is spent last", () => {
  it("at the token endpoint: a refused code leaves the proof unspent; accepted, it is spent", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ nonce: await currentNonce() });
    const redeem = (code: string) =>
      dpopTokenRequest({ grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT }, DEMO, [proof]);
    await expectOAuthError(await redeem("not-a-code"), 400, "invalid_grant");
    const good = await redeem(await codeFor(new Browser()));
    expect(good.status, await good.clone().text()).toBe(200);
    expect((await good.json<{ token_type: string }>()).token_type).toBe("DPoP");
    await expectOAuthError(await redeem(await codeFor(new Browser())), 400, "invalid_dpop_proof");
  });

  it("at the token endpoint: a refused scope leaves the proof unspent (client_credentials)", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ nonce: await currentNonce() });
    const refused = await dpopTokenRequest({ grant_type: "client_credentials", scope: "openid" }, SERVICE, [proof]);
    await expectOAuthError(refused, 400, "invalid_scope");
    expect((await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof])).status).toBe(200);
  });

  it("at userinfo: a junk access token leaves the proof unspent (sent again, it is no replay)", async () => {
    const key = await DpopKey.generate();
    // The proof's ath binds it to the token presented (RFC 9449 §4.2), so the junk token's own proof is sent twice.
    const junk = "not-a-token";
    const proof = await key.proof({ htm: "GET", htu: USERINFO_URL, accessToken: junk, nonce: await currentNonce() });
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await userinfoRequest(`DPoP ${junk}`, proof);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  it("at the PAR endpoint: a refused push leaves the proof unspent", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ htu: PAR_ENDPOINT, nonce: await currentNonce() });
    const refused = await push(demoRequest({ redirect_uri: "https://evil.example/cb" }), DEMO, { dpop: proof });
    await expectOAuthError(refused, 400, "invalid_request");
    const accepted = await push(demoRequest(), DEMO, { dpop: proof });
    expect(accepted.status, await accepted.clone().text()).toBe(201);
    await expectOAuthError(await push(demoRequest(), DEMO, { dpop: proof }), 400, "invalid_dpop_proof");
  });
});
