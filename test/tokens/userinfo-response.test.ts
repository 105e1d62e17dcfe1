// Signed and/or encrypted userinfo responses (OIDC Core §5.3.2): application/jwt, signed ones with iss and aud,
// signed-then-encrypted ones as a nested JWT; read with jose exactly as a client would.
import { compactDecrypt, jwtDecrypt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ISSUER, verifyWithJwks } from "../helpers";
import { encryptionKeyPair, registerClient, tokensFor, userinfoFetch } from "./fixtures";

let rsaPrivate: CryptoKey;
let ecPrivate: CryptoKey;

beforeAll(async () => {
  const rsa = await encryptionKeyPair("RSA-OAEP-256", { use: "enc" });
  const ec = await encryptionKeyPair("ECDH-ES+A256KW", { use: "enc" });
  rsaPrivate = rsa.privateKey;
  ecPrivate = ec.privateKey;
  await registerClient({ client_id: "ui-signed", userinfo_signed_response_alg: "ES256" });
  await registerClient({
    client_id: "ui-signed-encrypted",
    jwks: { keys: [rsa.publicJwk] },
    subject_type: "pairwise",
    userinfo_signed_response_alg: "PS256",
    userinfo_encrypted_response_alg: "RSA-OAEP-256",
    userinfo_encrypted_response_enc: "A256GCM",
    id_token_encrypted_response_alg: "RSA-OAEP-256",
  });
  await registerClient({
    client_id: "ui-encrypted",
    jwks: { keys: [ec.publicJwk] },
    userinfo_encrypted_response_alg: "ECDH-ES+A256KW",
  });
});

async function userinfoJwt(accessToken: string): Promise<string> {
  const res = await userinfoFetch(accessToken);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/jwt");
  expect(res.headers.get("cache-control")).toBe("no-store");
  return res.text();
}

describe("userinfo responses as JWTs", () => {
  it("signed: verifies with the provider's JWKS and names issuer and audience", async () => {
    const tokens = await tokensFor("ui-signed");
    const claims = await verifyWithJwks(await userinfoJwt(tokens.access_token), "ui-signed");
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: "ui-signed",
      sub: "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c",
      name: "Sam Spoon",
    });
  });

  it("signed then encrypted: a nested JWT whose sub matches the (encrypted, pairwise) ID token", async () => {
    const tokens = await tokensFor("ui-signed-encrypted");
    const { plaintext, protectedHeader } = await compactDecrypt(await userinfoJwt(tokens.access_token), rsaPrivate);
    expect(protectedHeader).toMatchObject({ alg: "RSA-OAEP-256", enc: "A256GCM", cty: "JWT" });
    const claims = await verifyWithJwks(new TextDecoder().decode(plaintext), "ui-signed-encrypted");
    expect(claims.email).toBe("spoon@example.com");
    const idToken = await verifyWithJwks(
      new TextDecoder().decode((await compactDecrypt(tokens.id_token ?? "", rsaPrivate)).plaintext),
      "ui-signed-encrypted",
    );
    expect(claims.sub).toBe(idToken.sub);
    expect(claims.sub).not.toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
  });

  it("encrypted only: the claims set itself is the JWE plaintext", async () => {
    const tokens = await tokensFor("ui-encrypted");
    const { payload, protectedHeader } = await jwtDecrypt(await userinfoJwt(tokens.access_token), ecPrivate);
    expect(protectedHeader).toMatchObject({ alg: "ECDH-ES+A256KW", enc: "A256GCM" });
    expect(protectedHeader).not.toHaveProperty("cty");
    expect(payload).toMatchObject({ sub: "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c", name: "Sam Spoon" });
    expect(payload).not.toHaveProperty("iss");
  });

  it("clients that registered nothing get plain JSON", async () => {
    await registerClient({ client_id: "ui-plain" });
    const res = await userinfoFetch((await tokensFor("ui-plain")).access_token);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });
});
