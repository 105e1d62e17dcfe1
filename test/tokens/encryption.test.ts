// Encrypted ID tokens (OIDC Core §10.2): signed, then encrypted to the client's registered key as a nested JWT;
// decrypted and verified with jose exactly as a client would.
import { compactDecrypt, decodeProtectedHeader, jwtVerify } from "jose";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ISSUER, verifyWithJwks } from "../helpers";
import { SECRET, encryptionKeyPair, registerClient, signingJwk, tokensFor } from "./fixtures";

let rsaPrivate: CryptoKey;
let ecPrivate: CryptoKey;

beforeAll(async () => {
  const rsa = await encryptionKeyPair("RSA-OAEP-256", { use: "enc", kid: "client-enc-rsa" });
  rsaPrivate = rsa.privateKey;
  // The client also registered a signing key (for private_key_jwt): never used to encrypt.
  await registerClient({
    client_id: "jwe-rsa",
    jwks: { keys: [await signingJwk(), rsa.publicJwk] },
    id_token_signed_response_alg: "RS256",
    id_token_encrypted_response_alg: "RSA-OAEP-256",
    id_token_encrypted_response_enc: "A256GCM",
  });
  // An EC key identified by its alg only, and an HS256 signature inside.
  const ec = await encryptionKeyPair("ECDH-ES+A256KW", { alg: "ECDH-ES+A256KW" });
  ecPrivate = ec.privateKey;
  await registerClient({
    client_id: "jwe-ec-hs256",
    jwks: { keys: [ec.publicJwk] },
    id_token_signed_response_alg: "HS256",
    id_token_encrypted_response_alg: "ECDH-ES+A256KW",
  });
});

describe("encrypted ID tokens", () => {
  it("RSA-OAEP-256 + A256GCM: a nested JWT (cty JWT) whose inner JWS verifies with the provider's JWKS", async () => {
    const tokens = await tokensFor("jwe-rsa", { nonce: "n-jwe" });
    const idToken = tokens.id_token ?? "";
    expect(idToken.split(".")).toHaveLength(5);
    const { plaintext, protectedHeader } = await compactDecrypt(idToken, rsaPrivate);
    expect(protectedHeader).toEqual({ alg: "RSA-OAEP-256", enc: "A256GCM", cty: "JWT", kid: "client-enc-rsa" });
    const inner = new TextDecoder().decode(plaintext);
    expect(decodeProtectedHeader(inner).alg).toBe("RS256");
    const claims = await verifyWithJwks(inner, "jwe-rsa");
    expect(claims.nonce).toBe("n-jwe");
    expect(claims.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    // The access token is not encrypted: it is for APIs, not for the client.
    expect(tokens.access_token.split(".")).toHaveLength(3);
  });

  it("ECDH-ES+A256KW (enc defaulting to A256GCM) around an HS256 ID token signed with the client secret", async () => {
    const tokens = await tokensFor("jwe-ec-hs256");
    const { plaintext, protectedHeader } = await compactDecrypt(tokens.id_token ?? "", ecPrivate);
    expect(protectedHeader).toMatchObject({ alg: "ECDH-ES+A256KW", enc: "A256GCM", cty: "JWT" });
    const { payload, protectedHeader: inner } = await jwtVerify(
      new TextDecoder().decode(plaintext),
      new TextEncoder().encode(SECRET),
      {
        issuer: ISSUER,
        audience: "jwe-ec-hs256",
        algorithms: ["HS256"],
      },
    );
    expect(inner.alg).toBe("HS256");
    expect(payload.azp).toBe("jwe-ec-hs256");
  });

  it("only the registered key decrypts", async () => {
    const tokens = await tokensFor("jwe-rsa");
    const other = await encryptionKeyPair("RSA-OAEP-256");
    await expect(compactDecrypt(tokens.id_token ?? "", other.privateKey)).rejects.toThrow();
  });
});

describe("discovery", () => {
  it("advertises HS256 (after RS256), pairwise subjects, and the encryption and userinfo options", async () => {
    const meta = await (
      await exports.default.fetch(`${ISSUER}/.well-known/openid-configuration`)
    ).json<Record<string, unknown>>();
    expect(meta).toMatchObject({
      subject_types_supported: ["public", "pairwise"],
      id_token_encryption_alg_values_supported: ["RSA-OAEP-256", "ECDH-ES+A256KW"],
      id_token_encryption_enc_values_supported: ["A256GCM"],
      userinfo_signing_alg_values_supported: ["RS256", "ES256", "PS256", "EdDSA"],
      userinfo_encryption_alg_values_supported: ["RSA-OAEP-256", "ECDH-ES+A256KW"],
      userinfo_encryption_enc_values_supported: ["A256GCM"],
    });
    const algs = meta.id_token_signing_alg_values_supported;
    expect(Array.isArray(algs) && algs[0]).toBe("RS256");
    expect(algs).toContain("HS256");
  });
});
