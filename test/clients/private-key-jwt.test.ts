import { SignJWT, UnsecuredJWT, decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { ISSUER, basic, expectOAuthError, tokenRequest, type Tokens } from "../helpers";
import {
  JWT_BEARER,
  assertion,
  assertionForm,
  clientCredentialsWith,
  keyPair,
  postForm,
  privateKeyJwtClient,
  type AsymmetricAlg,
} from "./assertions";

async function expectInvalidClient(res: Response): Promise<void> {
  expect(res.headers.get("www-authenticate")).toBeTruthy();
  await expectOAuthError(res, 401, "invalid_client");
}

afterEach(() => setClockOffset(0));

describe("private_key_jwt (RFC 7523 §2.2, OIDC Core §9)", () => {
  for (const alg of ["RS256", "PS256", "ES256", "EdDSA"] satisfies AsymmetricAlg[]) {
    it(`accepts an assertion signed ${alg} with a registered key`, async () => {
      const key = await keyPair(alg);
      const client = await privateKeyJwtClient([key]);
      const res = await clientCredentialsWith(await assertion(client.client_id, key));
      expect(res.status).toBe(200);
      const body = await res.json<Tokens>();
      expect(decodeJwt(body.access_token).client_id).toBe(client.client_id);
    });
  }

  it("accepts the issuer or the token endpoint as a single audience, and refuses an array (audience injection)", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    for (const aud of [ISSUER, `${ISSUER}/token`]) {
      const res = await clientCredentialsWith(await assertion(client.client_id, key, { aud }));
      expect(res.status, JSON.stringify(aud)).toBe(200);
    }
    for (const aud of [["https://elsewhere.example", ISSUER], [ISSUER]]) {
      const res = await clientCredentialsWith(await assertion(client.client_id, key, { aud }));
      expect(res.status, JSON.stringify(aud)).toBe(401);
    }
  });

  it("finds the key without a kid, among several registered keys", async () => {
    const [rsa, ec] = await Promise.all([keyPair("RS256"), keyPair("ES256")]);
    const client = await privateKeyJwtClient([rsa, ec]);
    const res = await clientCredentialsWith(
      await assertion(client.client_id, { alg: "ES256", privateKey: ec.privateKey }),
    );
    expect(res.status).toBe(200);
  });

  it("accepts client_id in the form when it equals iss, and refuses it otherwise", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    expect(
      (await clientCredentialsWith(await assertion(client.client_id, key), { client_id: client.client_id })).status,
    ).toBe(200);
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, key), { client_id: "demo" }),
    );
  });

  it("authenticates at /introspect and /revoke, with that endpoint's URL as audience too", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const issued = await (await clientCredentialsWith(await assertion(client.client_id, key))).json<Tokens>();
    for (const aud of [`${ISSUER}/introspect`, ISSUER]) {
      const res = await postForm(
        "/introspect",
        assertionForm(await assertion(client.client_id, key, { aud }), { token: issued.access_token }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ active: true, client_id: client.client_id });
    }
    const revoked = await postForm(
      "/revoke",
      assertionForm(await assertion(client.client_id, key, { aud: `${ISSUER}/revoke` }), {
        token: issued.access_token,
      }),
    );
    expect(revoked.status).toBe(200);
    const after = await postForm(
      "/introspect",
      assertionForm(await assertion(client.client_id, key), { token: issued.access_token }),
    );
    expect(await after.json()).toEqual({ active: false });
  });

  it("refuses a wrong audience: another server, or another of our endpoints than the one it is presented at", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    for (const aud of ["https://other.example/token", `${ISSUER}/introspect`, `${ISSUER}/token/`, undefined]) {
      await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { aud })));
    }
  });

  it("refuses an expired assertion (moving the clock, not sleeping)", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const jwt = await assertion(client.client_id, key);
    setClockOffset(120);
    await expectInvalidClient(await clientCredentialsWith(jwt));
  });

  it("refuses long-lived assertions: exp over an hour ahead, an iat over 5 minutes old, over 5 minutes without iat", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const now = nowSeconds();
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { exp: now + 3620 })));
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, key, { iat: now - 311, exp: now + 300 })),
    );
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, key, { iat: undefined, exp: now + 600 })),
    );
    expect(
      (await clientCredentialsWith(await assertion(client.client_id, key, { iat: undefined, exp: now + 120 }))).status,
    ).toBe(200);
  });

  it("refuses an assertion without exp or without jti, or issued in the future", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const now = nowSeconds();
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { exp: undefined })));
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { jti: undefined })));
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, key, { iat: now + 120, exp: now + 180 })),
    );
  });

  it("refuses a replayed assertion (same jti), also at another endpoint", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const jwt = await assertion(client.client_id, key, { aud: ISSUER });
    expect((await clientCredentialsWith(jwt)).status).toBe(200);
    await expectInvalidClient(await clientCredentialsWith(jwt));
    await expectInvalidClient(await postForm("/introspect", assertionForm(jwt, { token: "x" })));
    // A new assertion with the same jti is a replay as well.
    const sameJti = await assertion(client.client_id, key, { jti: decodeJwt(jwt).jti });
    await expectInvalidClient(await clientCredentialsWith(sameJti));
  });

  it("accepts exactly one of many concurrent requests carrying the same assertion", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const jwt = await assertion(client.client_id, key);
    const responses = await Promise.all(Array.from({ length: 12 }, () => clientCredentialsWith(jwt)));
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(11);
    await Promise.all(responses.map((res) => res.body?.cancel() ?? Promise.resolve()));
  });

  it("the same jti from two different clients is two assertions", async () => {
    const key = await keyPair("ES256");
    const [a, b] = await Promise.all([privateKeyJwtClient([key]), privateKeyJwtClient([key])]);
    expect((await clientCredentialsWith(await assertion(a.client_id, key, { jti: "shared" }))).status).toBe(200);
    expect((await clientCredentialsWith(await assertion(b.client_id, key, { jti: "shared" }))).status).toBe(200);
  });

  it("refuses a wrong iss or sub", async () => {
    const key = await keyPair("ES256");
    const [client, other] = await Promise.all([
      privateKeyJwtClient([key]),
      privateKeyJwtClient([await keyPair("ES256")]),
    ]);
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, key, { sub: other.client_id })),
    );
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { sub: undefined })));
    // iss names the other client, whose registered key did not sign it.
    await expectInvalidClient(
      await clientCredentialsWith(
        await assertion(client.client_id, key, { iss: other.client_id, sub: other.client_id }),
      ),
    );
    await expectInvalidClient(await clientCredentialsWith(await assertion("no-such-client", key)));
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key, { iss: undefined })));
  });

  it("refuses alg none", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const now = nowSeconds();
    const unsigned = new UnsecuredJWT({ jti: crypto.randomUUID() })
      .setIssuer(client.client_id)
      .setSubject(client.client_id)
      .setAudience(`${ISSUER}/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .encode();
    await expectInvalidClient(await clientCredentialsWith(unsigned));
  });

  it("refuses an HS256 assertion for a private_key_jwt client", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const hs = await assertion(client.client_id, {
      alg: "HS256",
      privateKey: new TextEncoder().encode("a shared secret of some length"),
    });
    await expectInvalidClient(await clientCredentialsWith(hs));
  });

  it("refuses a key that is not registered, and an algorithm other than the registered signing alg", async () => {
    const [registered, stranger, rsa] = await Promise.all([keyPair("ES256"), keyPair("ES256"), keyPair("RS256")]);
    const client = await privateKeyJwtClient([registered]);
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, stranger)));
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, { ...stranger, kid: registered.kid })),
    );
    const pinned = await privateKeyJwtClient([registered, rsa], { token_endpoint_auth_signing_alg: "ES256" });
    expect((await clientCredentialsWith(await assertion(pinned.client_id, registered))).status).toBe(200);
    await expectInvalidClient(await clientCredentialsWith(await assertion(pinned.client_id, rsa)));
  });

  it("refuses a tampered signature", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const [h, p] = (await assertion(client.client_id, key)).split(".");
    const forged = await new SignJWT({ forged: true })
      .setProtectedHeader({ alg: "ES256" })
      .sign((await keyPair("ES256")).privateKey);
    await expectInvalidClient(await clientCredentialsWith(`${h}.${p}.${forged.split(".")[2]}`));
  });

  it("a method not registered for the client is refused", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    // The private_key_jwt client with a secret, or as a public client.
    await expectInvalidClient(
      await tokenRequest({ grant_type: "client_credentials" }, basic(client.client_id, "anything")),
    );
    await expectInvalidClient(
      await tokenRequest({ grant_type: "client_credentials", client_id: client.client_id, client_secret: "x" }),
    );
    await expectInvalidClient(await tokenRequest({ grant_type: "client_credentials", client_id: client.client_id }));
    // A client_secret_basic client (demo) or a public one (demo-spa) presenting a valid-looking assertion.
    await expectInvalidClient(await clientCredentialsWith(await assertion("demo", key)));
    await expectInvalidClient(await clientCredentialsWith(await assertion("demo-spa", key)));
  });

  it("malformed assertion parameters are invalid_client; two methods at once are invalid_request", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const jwt = await assertion(client.client_id, key);
    await expectInvalidClient(
      await tokenRequest({
        grant_type: "client_credentials",
        client_assertion_type: "urn:other",
        client_assertion: jwt,
      }),
    );
    await expectInvalidClient(
      await tokenRequest({ grant_type: "client_credentials", client_assertion_type: JWT_BEARER }),
    );
    await expectInvalidClient(await tokenRequest({ grant_type: "client_credentials", client_assertion: jwt }));
    await expectInvalidClient(await clientCredentialsWith("not-a-jwt"));
    await expectOAuthError(
      await tokenRequest({ grant_type: "client_credentials", ...assertionForm(jwt) }, basic("demo", "demo-secret")),
      400,
      "invalid_request",
    );
    await expectOAuthError(await clientCredentialsWith(jwt, { client_secret: "x" }), 400, "invalid_request");
  });
});
