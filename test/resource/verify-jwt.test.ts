// RFC 9068 §4 validation of JWT access tokens: each rule has a test that fails when the rule breaks,
// and each asserts the verifier's error code, not just that it threw.
import { SignJWT, base64url, exportSPKI } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { verifyAccessToken, type VerifyAccessTokenOptions } from "../../src/resource";
import { fromJose } from "../../src/resource/jwt";
import { FakeIssuer, fakeIssuerSetup, type IssuedKey } from "./fake-issuer";

let clock: { now: number };
let issuer: FakeIssuer;
let key: IssuedKey;
let options: VerifyAccessTokenOptions;

beforeEach(async () => {
  ({ clock, issuer, key, options } = await fakeIssuerSetup());
});

const rejects = (token: string, code: string, opts: VerifyAccessTokenOptions = options) =>
  expect(verifyAccessToken(token, opts)).rejects.toMatchObject({
    name: "AccessTokenError",
    code,
    status: 401,
    error: "invalid_token",
  });

function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const enc = (o: Record<string, unknown>) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(payload)}.`;
}

describe("verifyAccessToken: JWT access tokens (RFC 9068 §4)", () => {
  it("accepts a valid token and returns its claims", async () => {
    const claims = await verifyAccessToken(await issuer.token(key, { auth_time: clock.now - 5 }), options);
    expect(claims).toMatchObject({
      format: "jwt",
      iss: issuer.issuer,
      sub: "user-1",
      aud: [issuer.audience],
      client_id: "client-1",
      scopes: ["weather", "read"],
      exp: clock.now + 600,
      iat: clock.now,
      auth_time: clock.now - 5,
    });
    expect(claims.raw.jti).toBe(claims.jti);
  });

  it("accepts aud as an array containing this API, and typ application/at+jwt", async () => {
    const token = await issuer.token(
      key,
      { aud: ["https://other.example", issuer.audience] },
      { typ: "application/at+jwt" },
    );
    expect((await verifyAccessToken(token, options)).aud).toEqual(["https://other.example", issuer.audience]);
  });

  it("accepts each algorithm the provider signs with", async () => {
    for (const alg of ["ES256", "PS256", "EdDSA"] as const) {
      const other = await issuer.addKey(alg);
      issuer.publish(key.kid, other.kid);
      clock.now += 31; // past the refetch cool-down: the new kid is fetched
      await expect(verifyAccessToken(await issuer.token(other), options)).resolves.toMatchObject({ sub: "user-1" });
    }
  });

  it("rejects an expired token; exp within the clock tolerance still passes", async () => {
    const token = await issuer.token(key, { exp: clock.now - 31 });
    await rejects(token, "ERR_TOKEN_EXPIRED");
    await expect(verifyAccessToken(await issuer.token(key, { exp: clock.now - 29 }), options)).resolves.toBeTruthy();
    // The tolerance is configurable but bounded: RFC 9068 §4 allows "no more than a few minutes".
    await expect(verifyAccessToken(token, { ...options, clockToleranceSeconds: 0 })).rejects.toMatchObject({
      code: "ERR_TOKEN_EXPIRED",
    });
    await expect(verifyAccessToken(token, { ...options, clockToleranceSeconds: 301 })).rejects.toThrow(TypeError);
  });

  it("rejects a token whose nbf is in the future", async () => {
    await rejects(await issuer.token(key, { nbf: clock.now + 60 }), "ERR_TOKEN_NOT_YET_VALID");
  });

  it("rejects a token from another issuer, even one signed with a key the JWKS holds", async () => {
    await rejects(await issuer.token(key, { iss: "https://evil.example" }), "ERR_TOKEN_WRONG_ISSUER");
    await rejects(await issuer.token(key, { iss: `${issuer.issuer}/` }), "ERR_TOKEN_WRONG_ISSUER");
  });

  it("rejects a token for another audience", async () => {
    await rejects(await issuer.token(key, { aud: "https://other.example" }), "ERR_TOKEN_WRONG_AUDIENCE");
    await rejects(await issuer.token(key, { aud: [issuer.issuer] }), "ERR_TOKEN_WRONG_AUDIENCE");
  });

  it("rejects alg none, without fetching any key", async () => {
    const payload = {
      iss: issuer.issuer,
      sub: "user-1",
      aud: issuer.audience,
      exp: clock.now + 600,
      iat: clock.now,
      jti: "j",
      client_id: "c",
      scope: "weather",
    };
    await rejects(unsigned({ alg: "none", typ: "at+jwt" }, payload), "ERR_TOKEN_ALG_NOT_ALLOWED");
    await rejects(unsigned({ alg: "none", typ: "at+jwt", kid: key.kid }, payload), "ERR_TOKEN_ALG_NOT_ALLOWED");
    expect(issuer.calls.jwks).toBe(0);
  });

  it("rejects an HS256 token forged with the public key as the HMAC secret", async () => {
    const publicKey = key.publicJwk;
    const secrets = [
      new TextEncoder().encode(JSON.stringify(publicKey)),
      new TextEncoder().encode(await exportSPKI(key.publicKey)),
      base64url.decode(publicKey.n ?? ""),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT({
        sub: "admin",
        aud: issuer.audience,
        client_id: "c",
        jti: "j",
        scope: "weather",
      })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: key.kid })
        .setIssuer(issuer.issuer)
        .setIssuedAt(clock.now)
        .setExpirationTime(clock.now + 600)
        .sign(secret);
      await rejects(forged, "ERR_TOKEN_ALG_NOT_ALLOWED");
    }
    // And no configuration can allow it (a JavaScript caller could pass anything).
    const hs = ["HS256"] as unknown as VerifyAccessTokenOptions["algorithms"];
    await expect(verifyAccessToken("a.b.c", { ...options, algorithms: hs })).rejects.toThrow(TypeError);
  });

  it("rejects an algorithm outside the allow-list even when the JWKS has its key", async () => {
    const es = await issuer.addKey("ES256");
    issuer.publish(key.kid, es.kid);
    await rejects(await issuer.token(es), "ERR_TOKEN_ALG_NOT_ALLOWED", { ...options, algorithms: ["RS256"] });
  });

  it("rejects a token whose signature does not verify", async () => {
    const token = await issuer.token(key);
    const [h, p] = token.split(".");
    const other = await issuer.token(key, { sub: "someone-else" });
    await rejects(`${h}.${p}.${other.split(".")[2]}`, "ERR_TOKEN_BAD_SIGNATURE");
  });

  it("rejects a token signed with a key that is not the issuer's, under a published kid", async () => {
    const impostor = await issuer.addKey("RS256");
    await rejects(await issuer.token(impostor, {}, { kid: key.kid }), "ERR_TOKEN_BAD_SIGNATURE");
  });

  it("rejects other JWT types (an ID token, an untyped JWT)", async () => {
    await rejects(await issuer.token(key, {}, { typ: "JWT" }), "ERR_TOKEN_WRONG_TYPE");
    await rejects(await issuer.token(key, {}, { typ: "id_token+jwt" }), "ERR_TOKEN_WRONG_TYPE");
  });

  it("rejects a token missing a claim RFC 9068 §2.2 requires", async () => {
    for (const claim of ["exp", "sub", "client_id", "iat", "jti"]) {
      await rejects(await issuer.token(key, { [claim]: undefined }), "ERR_TOKEN_INVALID_CLAIMS");
    }
    await rejects(await issuer.token(key, { scope: ["weather"] }), "ERR_TOKEN_INVALID_CLAIMS");
  });

  it("rejects garbage and encrypted (five-segment) tokens as malformed", async () => {
    for (const bad of ["garbage.token.here", "a.b.c", "a b", "", "eyJ.eyJ.x.y.z", "ü.ü.ü"]) {
      await rejects(bad, "ERR_TOKEN_MALFORMED");
    }
  });

  it("checks required scopes: 403 insufficient_scope naming all of them", async () => {
    const token = await issuer.token(key, { scope: "read" });
    await expect(verifyAccessToken(token, { ...options, scopes: ["weather", "read"] })).rejects.toMatchObject({
      code: "ERR_INSUFFICIENT_SCOPE",
      status: 403,
      error: "insufficient_scope",
      requiredScopes: ["weather", "read"],
    });
    // Scope values are case-sensitive (RFC 6749 §3.3).
    await expect(
      verifyAccessToken(await issuer.token(key, { scope: "Weather" }), { ...options, scopes: ["weather"] }),
    ).rejects.toMatchObject({ code: "ERR_INSUFFICIENT_SCOPE" });
    await expect(verifyAccessToken(await issuer.token(key), { ...options, scopes: ["weather"] })).resolves.toBeTruthy();
  });
});

/** A JWT signed with `key` (RS256) whose header is exactly `header`: for headers jose's SignJWT would not build. */
async function signedWithHeader(
  signer: IssuedKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const enc = (o: Record<string, unknown>) => base64url.encode(JSON.stringify(o));
  const input = `${enc(header)}.${enc(payload)}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signer.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

describe("verifyAccessToken: headers jose does not type-check", () => {
  const payload = () => ({
    iss: issuer.issuer,
    sub: "user-1",
    aud: issuer.audience,
    exp: clock.now + 600,
    iat: clock.now,
    jti: crypto.randomUUID(),
    client_id: "client-1",
    scope: "weather",
  });

  it("a kid that is an object (which no template string can convert) is malformed, not a TypeError", async () => {
    // Warm the key cache first: the hot path is where the kid met a template string.
    await verifyAccessToken(await issuer.token(key), options);
    const token = await signedWithHeader(key, { alg: "RS256", typ: "at+jwt", kid: { toString: 0 } }, payload());
    await rejects(token, "ERR_TOKEN_MALFORMED");
  });

  it("a kid that is an array is malformed, even when its string form names a published key and the signature is valid", async () => {
    await verifyAccessToken(await issuer.token(key), options);
    // RFC 7515 §4.1.4: kid is a string. `["<kid>"]` reads as "<kid>" in a template, and jose ignores a non-string kid.
    const token = await signedWithHeader(key, { alg: "RS256", typ: "at+jwt", kid: [key.kid] }, payload());
    await rejects(token, "ERR_TOKEN_MALFORMED");
    // The same token with a string kid verifies: only the kid's type was wrong.
    await expect(
      verifyAccessToken(await signedWithHeader(key, { alg: "RS256", typ: "at+jwt", kid: key.kid }, payload()), options),
    ).resolves.toBeTruthy();
  });

  it("any error that is not a JOSE error, thrown while verifying, becomes a malformed token (401), never a 500", () => {
    expect(fromJose(new TypeError("Cannot convert object to primitive value"))).toMatchObject({
      name: "AccessTokenError",
      code: "ERR_TOKEN_MALFORMED",
      status: 401,
      error: "invalid_token",
    });
  });
});
