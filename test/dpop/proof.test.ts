// RFC 9449 §4.3 at the token endpoint: every check a proof must pass, its replay, and the server nonces (§8).
// client_credentials (demo-service) is the request, since it spends nothing but the proof.
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { base64url, createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { AssertionReplay } from "../../src/durable/assertion-replay";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { config } from "../../src/config";
import { ISSUER, expectOAuthError, introspect } from "../helpers";
import {
  CLIENT_CREDENTIALS,
  DpopKey,
  SERVICE,
  SERVICE_REF,
  TOKEN_URL,
  boundClientCredentials,
  currentNonce,
  dpopTokenRequest,
  type ProofOptions,
} from "./support";

afterEach(() => setClockOffset(0));

/** A client_credentials request with one proof of a new key, made with `options` and the current nonce. */
async function withProof(options: ProofOptions = {}, key?: DpopKey): Promise<Response> {
  const signer = key ?? (await DpopKey.generate());
  const proof = await signer.proof({ nonce: await currentNonce(), ...options });
  return dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof]);
}

async function expectInvalidProof(res: Response): Promise<void> {
  await expectOAuthError(res, 400, "invalid_dpop_proof");
  // RFC 9449 §8.2: every token endpoint answer carries the current nonce while nonces are on.
  expect(res.headers.get("dpop-nonce")).toBeTruthy();
}

/** A JWS of any header and payload, signed (or not) by hand. */
function compact(header: object, payload: object, signature = ""): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}.${signature}`;
}

describe("a DPoP-bound client_credentials token (RFC 9449 §5, §6.1)", () => {
  it("is token_type DPoP with cnf.jkt of the proof's key, verified against /jwks", async () => {
    const key = await DpopKey.generate();
    const res = await boundClientCredentials(key);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("dpop-nonce")).toBeTruthy();
    const body = await res.json<{ access_token: string; token_type: string }>();
    expect(body.token_type).toBe("DPoP");
    const jwks = await (await exports.default.fetch(`${ISSUER}/jwks`)).json<{ keys: [] }>();
    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, typ: "at+jwt" });
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it("stays a Bearer token without a proof", async () => {
    const res = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, []);
    expect(res.status).toBe(200);
    const body = await res.json<{ access_token: string; token_type: string }>();
    expect(body.token_type).toBe("Bearer");
    const [, payload] = body.access_token.split(".");
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? "")))).not.toHaveProperty("cnf");
  });

  it("an opaque one keeps its jkt: introspection answers token_type DPoP and cnf.jkt (§6.2)", async () => {
    const key = await DpopKey.generate();
    const res = await boundClientCredentials(key, SERVICE_REF);
    expect(res.status).toBe(200);
    const body = await res.json<{ access_token: string; token_type: string }>();
    expect(body.token_type).toBe("DPoP");
    const info = await (await introspect(body.access_token)).json<Record<string, unknown>>();
    expect(info).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: key.jkt } });
  });

  it("a bound JWT introspects with token_type DPoP and cnf.jkt; a bearer one with neither", async () => {
    const key = await DpopKey.generate();
    const bound = await (await boundClientCredentials(key)).json<{ access_token: string }>();
    expect(await (await introspect(bound.access_token)).json()).toMatchObject({
      active: true,
      token_type: "DPoP",
      cnf: { jkt: key.jkt },
    });
    const plain = await (await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [])).json<{ access_token: string }>();
    const info = await (await introspect(plain.access_token)).json<Record<string, unknown>>();
    expect(info).toMatchObject({ active: true, token_type: "Bearer" });
    expect(info).not.toHaveProperty("cnf");
  });

  it("is advertised in discovery: dpop_signing_alg_values_supported", async () => {
    const res = await exports.default.fetch(`${ISSUER}/.well-known/openid-configuration`);
    const metadata = await res.json<Record<string, unknown>>();
    expect(metadata.dpop_signing_alg_values_supported).toEqual(["ES256", "ES384", "EdDSA", "RS256", "PS256"]);
  });
});

describe("RFC 9449 §4.3: checking a DPoP proof", () => {
  it("item 1: more than one DPoP header is refused", async () => {
    const key = await DpopKey.generate();
    const nonce = await currentNonce();
    const res = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [
      await key.proof({ nonce }),
      await key.proof({ nonce }),
    ]);
    await expectInvalidProof(res);
  });

  it("item 2: a value that is not a JWT is refused", async () => {
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, ["not-a-jwt"]));
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, ["a.b.c"]));
  });

  it("item 3: each required claim (jti, htm, htu, iat) missing is refused", async () => {
    for (const claim of ["jti", "htm", "htu", "iat"]) {
      await expectInvalidProof(await withProof({ claims: { [claim]: undefined } }));
    }
  });

  it("item 4: typ other than dpop+jwt, or none, is refused", async () => {
    await expectInvalidProof(await withProof({ header: { typ: "JWT" } }));
    await expectInvalidProof(await withProof({ header: { typ: undefined } }));
  });

  it("item 5: alg none, a MAC (HS256) and an asymmetric alg not supported (ES512) are refused", async () => {
    const key = await DpopKey.generate();
    const nonce = await currentNonce();
    const payload = { jti: crypto.randomUUID(), htm: "POST", htu: TOKEN_URL, iat: nowSeconds(), nonce };
    const none = compact({ alg: "none", typ: "dpop+jwt", jwk: key.publicJwk }, payload);
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [none]));
    const hs256 = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: key.publicJwk })
      .sign(new TextEncoder().encode("secretsecretsecretsecretsecretsecret"));
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [hs256]));
    expect(config.dpop.signingAlgorithms).not.toContain("ES512");
    await expectInvalidProof(await withProof({}, await DpopKey.generate("ES512")));
  });

  it("item 6: a signature that does not verify with the jwk header is refused", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ nonce: await currentNonce() });
    const [header, , signature] = proof.split(".");
    const forged = `${header}.${base64url.encode(JSON.stringify({ jti: "x", htm: "POST", htu: TOKEN_URL, iat: nowSeconds() }))}.${signature}`;
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [forged]));
    // Signed by another key than the one in the header.
    const other = await DpopKey.generate();
    await expectInvalidProof(await withProof({ header: { jwk: other.publicJwk } }, key));
  });

  it("item 7: a jwk header carrying a private key is refused", async () => {
    const key = await DpopKey.generate();
    await expectInvalidProof(await withProof({ header: { jwk: await key.privateJwk() } }, key));
  });

  it("item 8: htm other than the request's method is refused", async () => {
    await expectInvalidProof(await withProof({ htm: "GET" }));
  });

  it("item 9: htu other than the token endpoint is refused; its query and fragment are ignored", async () => {
    await expectInvalidProof(await withProof({ htu: `${ISSUER}/userinfo` }));
    await expectInvalidProof(await withProof({ htu: "https://other.example/token" }));
    expect((await withProof({ htu: `${TOKEN_URL}?x=1#frag` })).status).toBe(200);
  });

  it("item 10: a proof without a nonce, or with one the server never gave, gets use_dpop_nonce and a DPoP-Nonce (§8)", async () => {
    const key = await DpopKey.generate();
    for (const nonce of [undefined, "made-up-nonce"]) {
      const res = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ nonce })]);
      await expectOAuthError(res, 400, "use_dpop_nonce");
      const fresh = res.headers.get("dpop-nonce");
      expect(fresh).toBeTruthy();
      // Retrying with the nonce given succeeds.
      const retry = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ nonce: fresh ?? "" })]);
      expect(retry.status).toBe(200);
    }
  });

  it("item 11: iat more than the window away from now, either way, is refused", async () => {
    const window = config.dpop.proofWindowSeconds;
    await expectInvalidProof(await withProof({ iat: nowSeconds() - window - 5 }));
    await expectInvalidProof(await withProof({ iat: nowSeconds() + window + 5 }));
    expect((await withProof({ iat: nowSeconds() - window + 5 })).status).toBe(200);
  });

  it("malformed headers and claims are invalid_dpop_proof, never a 5xx", async () => {
    const key = await DpopKey.generate();
    const nonce = await currentNonce();
    const payload = { jti: crypto.randomUUID(), htm: "POST", htu: TOKEN_URL, iat: nowSeconds(), nonce };
    const headers: object[] = [
      { alg: "ES256", typ: "dpop+jwt" },
      { alg: "ES256", typ: "dpop+jwt", jwk: "x" },
      { alg: "ES256", typ: "dpop+jwt", jwk: { kty: "EC" } },
      { alg: "ES256", typ: "dpop+jwt", jwk: { kty: "EC", crv: "P-999", x: "AA", y: "AA" } },
      { alg: "RS256", typ: "dpop+jwt", jwk: { kty: "RSA", n: "", e: "" } },
      { alg: "RS256", typ: "dpop+jwt", jwk: key.publicJwk },
      { alg: ["ES256"], typ: "dpop+jwt", jwk: key.publicJwk },
    ];
    for (const header of headers) {
      const proofs = [compact(header, payload, "AAAA"), compact(header, { ...payload, iat: "now", htu: 7 }, "AAAA")];
      for (const proof of proofs)
        await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof]));
    }
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [""]));
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, ["x".repeat(10_000)]));
  });

  it("item 12: a proof used once is refused the second time (§11.1)", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ nonce: await currentNonce() });
    expect((await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof])).status).toBe(200);
    await expectInvalidProof(await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof]));
  });

  it("item 12: the same proof sent concurrently succeeds exactly once", async () => {
    const key = await DpopKey.generate();
    const proof = await key.proof({ nonce: await currentNonce() });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [proof])),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(19);
    for (const res of responses.filter((r) => r.status === 400)) {
      expect((await res.json<{ error: string }>()).error).toBe("invalid_dpop_proof");
    }
  });

  it("a key's proofs of one time bucket share one replay object, kept until the last of them is dead", async () => {
    const key = await DpopKey.generate();
    const window = config.dpop.proofWindowSeconds;
    const iat = nowSeconds();
    const nonce = await currentNonce();
    const jtis = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const jti of jtis) {
      const res = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ jti, iat, nonce })]);
      expect(res.status).toBe(200);
    }
    const bucket = Math.floor(iat / window);
    const stub = env.ASSERTION_REPLAY.get(env.ASSERTION_REPLAY.idFromName(`dpop#${key.jkt}#${bucket}`));
    const stored = await runInDurableObject(stub, async (_instance: AssertionReplay, state) => ({
      keys: [...state.storage.kv.list()].map(([name]) => name).sort(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(stored.keys).toEqual([...jtis.map((jti) => `jti:${jti}`), "seen"].sort());
    // A proof of the bucket is accepted until at most iat + window < (bucket + 2) * window.
    expect(stored.alarm).toBe((bucket + 2) * window * 1000);
  });

  it("a proof of another key with the same jti is its own proof (replay is per key)", async () => {
    const jti = crypto.randomUUID();
    expect((await withProof({ jti })).status).toBe(200);
    expect((await withProof({ jti })).status).toBe(200);
  });
});

describe("server nonces (RFC 9449 §8)", () => {
  it("rotate every nonceRotationSeconds; the previous step's nonce is still accepted, an older one is not", async () => {
    const step = config.dpop.nonceRotationSeconds;
    // Start at the beginning of a step, so that moving by one step lands exactly in the next one.
    setClockOffset(step - (nowSeconds() % step));
    const key = await DpopKey.generate();
    const first = await currentNonce();
    setClockOffset(2 * step - (Math.floor(Date.now() / 1000) % step));
    const second = await currentNonce();
    expect(second).not.toBe(first);
    expect((await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ nonce: first })])).status).toBe(200);
    setClockOffset(3 * step - (Math.floor(Date.now() / 1000) % step));
    const stale = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ nonce: first })]);
    await expectOAuthError(stale, 400, "use_dpop_nonce");
    expect(stale.headers.get("dpop-nonce")).not.toBe(first);
    expect((await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, [await key.proof({ nonce: second })])).status).toBe(
      200,
    );
  });

  it("go only to requests with a proof: a bearer client's token answer has no DPoP-Nonce", async () => {
    const res = await dpopTokenRequest(CLIENT_CREDENTIALS, SERVICE, []);
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBeNull();
    expect((await res.json<{ token_type: string }>()).token_type).toBe("Bearer");
  });

  it("are off with DPOP_NONCE = off: a proof without one is accepted and no DPoP-Nonce is sent", async () => {
    const key = await DpopKey.generate();
    const headers = new Headers({ "content-type": "application/x-www-form-urlencoded", authorization: SERVICE });
    headers.set("DPoP", await key.proof());
    const request = new Request(TOKEN_URL, {
      method: "POST",
      headers,
      body: new URLSearchParams(CLIENT_CREDENTIALS).toString(),
    });
    const res = await worker.fetch(request, { ...env, DPOP_NONCE: "off" }, createExecutionContext());
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBeNull();
    expect((await res.json<{ token_type: string }>()).token_type).toBe("DPoP");
  });
});

// Keys of other algorithms this provider accepts sign usable proofs too.
describe("accepted proof algorithms", () => {
  it.each(["ES384", "EdDSA", "RS256", "PS256"])("%s", async (alg) => {
    expect((await withProof({}, await DpopKey.generate(alg))).status).toBe(200);
  });
});
