// RFC 9449 §10.1: a DPoP proof sent with a pushed authorization request binds the authorization code to the proof's
// key, as dpop_jkt does; the proof is checked as at the token endpoint (htu the PAR endpoint, jti used once, nonce),
// and a dpop_jkt sent beside it must be that key's thumbprint.
import { describe, expect, it } from "vitest";
import { Browser, authorize, expectOAuthError, DEMO_REDIRECT, basic } from "../helpers";
import { keyPair } from "../clients/assertions";
import { PAR_ENDPOINT, demoRequest, only, push, requestObject, rpClient } from "../par/support";
import { DpopKey, currentNonce, dpopTokenRequest } from "./support";

const DEMO = basic("demo", "demo-secret");

async function parProof(key: DpopKey, jti?: string): Promise<string> {
  return key.proof({ htu: PAR_ENDPOINT, nonce: await currentNonce(), ...(jti === undefined ? {} : { jti }) });
}

/** Pushes with a proof of `key`, signs in, and answers the code. */
async function pushedCode(key: DpopKey): Promise<string> {
  const res = await push(demoRequest(), DEMO, { dpop: await parProof(key) });
  expect(res.status, await res.clone().text()).toBe(201);
  const { request_uri: requestUri } = await res.json<{ request_uri: string }>();
  const location = await authorize(new Browser(), only({ client_id: "demo", request_uri: requestUri }));
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code in ${location.href}`);
  return code;
}

function redeem(code: string, proofs: string[]): Promise<Response> {
  return dpopTokenRequest({ grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT }, DEMO, proofs);
}

describe("DPoP with PAR (RFC 9449 §10.1)", () => {
  it("binds the code to the proof's key: redeemed only with a proof of that key, then bound tokens", async () => {
    const key = await DpopKey.generate();
    const code = await pushedCode(key);
    // Nothing is spent by the refusals: the right proof still redeems the code.
    await expectOAuthError(await redeem(code, []), 400, "invalid_grant");
    const other = await DpopKey.generate();
    await expectOAuthError(
      await redeem(code, [await other.proof({ nonce: await currentNonce() })]),
      400,
      "invalid_grant",
    );
    const res = await redeem(code, [await key.proof({ nonce: await currentNonce() })]);
    expect(res.status).toBe(200);
    expect((await res.json<{ token_type: string }>()).token_type).toBe("DPoP");
  });

  it("asks for a nonce, refuses a bad proof and a replayed one, with JSON errors", async () => {
    const key = await DpopKey.generate();
    const noNonce = await push(demoRequest(), DEMO, { dpop: await key.proof({ htu: PAR_ENDPOINT }) });
    await expectOAuthError(noNonce, 400, "use_dpop_nonce");
    expect(noNonce.headers.get("dpop-nonce")).toBe(await currentNonce());
    const wrongHtu = await push(demoRequest(), DEMO, { dpop: await key.proof({ nonce: await currentNonce() }) });
    await expectOAuthError(wrongHtu, 400, "invalid_dpop_proof");
    const proof = await parProof(key);
    expect((await push(demoRequest(), DEMO, { dpop: proof })).status).toBe(201);
    await expectOAuthError(await push(demoRequest(), DEMO, { dpop: proof }), 400, "invalid_dpop_proof");
  });

  it("refuses a dpop_jkt that is not the proof key's thumbprint, and accepts the matching one", async () => {
    const key = await DpopKey.generate();
    const other = await DpopKey.generate();
    const mismatch = await push(demoRequest({ dpop_jkt: other.jkt }), DEMO, { dpop: await parProof(key) });
    await expectOAuthError(mismatch, 400, "invalid_request");
    const match = await push(demoRequest({ dpop_jkt: key.jkt }), DEMO, { dpop: await parProof(key) });
    expect(match.status).toBe(201);
  });

  it("asks for the nonce before a request object's jti is spent: the retry with the same object succeeds", async () => {
    const signing = await keyPair("ES256");
    const rp = await rpClient({}, [signing]);
    const object = await requestObject(rp.client.client_id, signing);
    const key = await DpopKey.generate();
    const first = await push({ request: object }, rp.basic, { dpop: await key.proof({ htu: PAR_ENDPOINT }) });
    await expectOAuthError(first, 400, "use_dpop_nonce");
    const nonce = first.headers.get("dpop-nonce") ?? "";
    const retry = await push({ request: object }, rp.basic, { dpop: await key.proof({ htu: PAR_ENDPOINT, nonce }) });
    expect(retry.status, await retry.clone().text()).toBe(201);
  });
});
