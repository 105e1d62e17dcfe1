// RFC 9449 at the token endpoint, per grant: authorization code binding (§10), refresh tokens of public clients
// bound to the key (§5), confidential clients' refreshes re-binding only the access token, clients that must use
// DPoP (§5.2, dpop_bound_access_tokens), and opaque access tokens keeping their key for introspection (§6.2).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  Browser,
  DEMO_REDIRECT,
  SPA_REDIRECT,
  admin,
  basic,
  codeFor,
  expectOAuthError,
  introspect,
  pkcePair,
  verifyWithJwks,
  ISSUER,
  type Tokens,
} from "../helpers";
import { CLIENT_CREDENTIALS, DpopKey, currentNonce, dpopTokenRequest, opaqueWebClient } from "./support";

const DEMO = basic("demo", "demo-secret");

async function proofOf(key: DpopKey): Promise<string[]> {
  return [await key.proof({ nonce: await currentNonce() })];
}

/** authorization null: a public client, identified by client_id in `extra`. */
function redeemWith(code: string, proofs: string[], authorization: string | null = DEMO, extra = {}) {
  return dpopTokenRequest(
    { grant_type: "authorization_code", code, redirect_uri: DEMO_REDIRECT, ...extra },
    authorization ?? undefined,
    proofs,
  );
}

function refreshWith(refreshToken: string, proofs: string[], authorization: string | null = DEMO, extra = {}) {
  return dpopTokenRequest(
    { grant_type: "refresh_token", refresh_token: refreshToken, ...extra },
    authorization ?? undefined,
    proofs,
  );
}

/** A code of an authorization request with dpop_jkt (RFC 9449 §10), which /authorize seals into the code. */
function boundCode(jkt: string): Promise<string> {
  return codeFor(new Browser(), { dpop_jkt: jkt });
}

async function tokens(res: Response): Promise<Tokens> {
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return res.json<Tokens>();
}

/** demo-spa (a public client): a code with PKCE, redeemed with the given proofs. */
async function spaTokens(proofs: (() => Promise<string[]>) | undefined): Promise<Tokens> {
  const pkce = await pkcePair();
  const code = await codeFor(new Browser(), {
    client_id: "demo-spa",
    redirect_uri: SPA_REDIRECT,
    scope: "openid offline_access",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  });
  const form = { redirect_uri: SPA_REDIRECT, client_id: "demo-spa", code_verifier: pkce.verifier };
  return tokens(await redeemWith(code, proofs ? await proofs() : [], null, form));
}

const SPA = { client_id: "demo-spa" };

describe("authorization code binding (RFC 9449 §10, dpop_jkt)", () => {
  it("a bound code is refused without a proof or with another key's, and nothing is spent", async () => {
    const key = await DpopKey.generate();
    const code = await boundCode(key.jkt);
    await expectOAuthError(await redeemWith(code, []), 400, "invalid_grant");
    await expectOAuthError(await redeemWith(code, await proofOf(await DpopKey.generate())), 400, "invalid_grant");
    const res = await redeemWith(code, await proofOf(key));
    const body = await tokens(res);
    expect(body.token_type).toBe("DPoP");
    expect((await verifyWithJwks(body.access_token, ISSUER, "at+jwt")).cnf).toEqual({ jkt: key.jkt });
  });

  it("an unbound code redeemed with a proof gives a bound access token", async () => {
    const key = await DpopKey.generate();
    const body = await tokens(await redeemWith(await codeFor(new Browser()), await proofOf(key)));
    expect(body.token_type).toBe("DPoP");
    expect((await verifyWithJwks(body.access_token, ISSUER, "at+jwt")).cnf).toEqual({ jkt: key.jkt });
  });
});

describe("refresh tokens of a public client are bound to the key (RFC 9449 §5)", () => {
  it("a refresh needs a proof of the same key; without it nothing rotates or is revoked", async () => {
    const key = await DpopKey.generate();
    const issued = await spaTokens(() => proofOf(key));
    expect(issued.token_type).toBe("DPoP");
    const refreshToken = issued.refresh_token ?? "";
    await expectOAuthError(await refreshWith(refreshToken, [], null, SPA), 400, "invalid_grant");
    const other = await DpopKey.generate();
    await expectOAuthError(await refreshWith(refreshToken, await proofOf(other), null, SPA), 400, "invalid_grant");
    const refreshed = await tokens(await refreshWith(refreshToken, await proofOf(key), null, SPA));
    expect(refreshed.token_type).toBe("DPoP");
    expect((await verifyWithJwks(refreshed.access_token, ISSUER, "at+jwt")).cnf).toEqual({ jkt: key.jkt });
    // The successor is bound too.
    const next = refreshed.refresh_token ?? "";
    await expectOAuthError(await refreshWith(next, await proofOf(other), null, SPA), 400, "invalid_grant");
    expect((await refreshWith(next, await proofOf(key), null, SPA)).status).toBe(200);
  });

  it("a family issued without DPoP is bound from its first refresh with a proof", async () => {
    const issued = await spaTokens(undefined);
    expect(issued.token_type).toBe("Bearer");
    const key = await DpopKey.generate();
    const refreshed = await tokens(await refreshWith(issued.refresh_token ?? "", await proofOf(key), null, SPA));
    expect(refreshed.token_type).toBe("DPoP");
    await expectOAuthError(await refreshWith(refreshed.refresh_token ?? "", [], null, SPA), 400, "invalid_grant");
  });
});

describe("refresh tokens of a confidential client are not bound", () => {
  it("each refresh binds the new access token to whatever proof it brings, or to none", async () => {
    const first = await DpopKey.generate();
    const code = await codeFor(new Browser(), { scope: "openid offline_access" });
    const issued = await tokens(await redeemWith(code, await proofOf(first)));
    const second = await DpopKey.generate();
    const rebound = await tokens(await refreshWith(issued.refresh_token ?? "", await proofOf(second)));
    expect(rebound.token_type).toBe("DPoP");
    expect((await verifyWithJwks(rebound.access_token, ISSUER, "at+jwt")).cnf).toEqual({ jkt: second.jkt });
    const bearer = await tokens(await refreshWith(rebound.refresh_token ?? "", []));
    expect(bearer.token_type).toBe("Bearer");
    expect(await verifyWithJwks(bearer.access_token, ISSUER, "at+jwt")).not.toHaveProperty("cnf");
  });
});

describe("dpop_bound_access_tokens (RFC 9449 §5.2)", () => {
  async function boundClient(): Promise<string> {
    const res = await admin("/clients", "POST", {
      client_name: "DPoP-only service",
      grant_types: ["client_credentials"],
      scope: "weather",
      dpop_bound_access_tokens: true,
    });
    expect(res.status).toBe(201);
    const body = await res.json<{ client_id: string; client_secret: string; dpop_bound_access_tokens: boolean }>();
    expect(body.dpop_bound_access_tokens).toBe(true);
    return basic(body.client_id, body.client_secret);
  }

  it("a token request without a proof is refused with invalid_dpop_proof; with one it succeeds", async () => {
    const authorization = await boundClient();
    await expectOAuthError(await dpopTokenRequest(CLIENT_CREDENTIALS, authorization, []), 400, "invalid_dpop_proof");
    const res = await dpopTokenRequest(CLIENT_CREDENTIALS, authorization, await proofOf(await DpopKey.generate()));
    expect((await tokens(res)).token_type).toBe("DPoP");
  });

  it("must be a boolean at registration", async () => {
    const res = await admin("/clients", "POST", {
      client_name: "Bad",
      grant_types: ["client_credentials"],
      scope: "weather",
      dpop_bound_access_tokens: "yes",
    });
    await expectOAuthError(res, 400, "invalid_client_metadata");
  });
});

describe("opaque access tokens of a grant (RFC 9449 §6.2)", () => {
  it("keep the key in their record: introspection answers token_type DPoP and cnf.jkt", async () => {
    const { client, authorization } = await opaqueWebClient();
    const key = await DpopKey.generate();
    const code = await codeFor(new Browser(), { client_id: client.client_id, scope: "openid profile" });
    const issued = await tokens(await redeemWith(code, await proofOf(key), authorization));
    expect(issued.token_type).toBe("DPoP");
    const info = await (await introspect(issued.access_token, authorization)).json<Record<string, unknown>>();
    expect(info).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: key.jkt } });
  });
});

describe("a browser app's first DPoP request (CORS)", () => {
  it("can read use_dpop_nonce and its DPoP-Nonce: the answer names its origin and exposes the header", async () => {
    const key = await DpopKey.generate();
    const headers = new Headers({
      "content-type": "application/x-www-form-urlencoded",
      origin: "http://localhost:3000",
      DPoP: await key.proof(),
    });
    const res = await exports.default.fetch(`${ISSUER}/token`, {
      method: "POST",
      headers,
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x", ...SPA }).toString(),
    });
    await expectOAuthError(res, 400, "use_dpop_nonce");
    expect(res.headers.get("dpop-nonce")).toBeTruthy();
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(res.headers.get("access-control-expose-headers")).toContain("DPoP-Nonce");
  });
});
