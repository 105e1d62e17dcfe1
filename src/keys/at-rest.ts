// Encryption at rest (compact JWE, dir + A256GCM) under a key derived from KEY_ENCRYPTION_SECRET: private
// signing keys, and the client secrets that must stay recoverable (HS256 ID tokens, client_secret_jwt).
import { CompactEncrypt, compactDecrypt } from "jose";
import * as v from "valibot";
import { derivedKey } from "../lib/crypto";

const Jwk = v.record(v.string(), v.unknown());

const PURPOSE = "edge-oidc private key encryption v1";
function keyEncryptionKey(secret: string): Promise<CryptoKey> {
  return derivedKey("KEY_ENCRYPTION_SECRET", secret, PURPOSE, { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]);
}

export async function encryptAtRest(secret: string, plaintext: string, contentType: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", cty: contentType })
    .encrypt(await keyEncryptionKey(secret));
}

export async function decryptAtRest(secret: string, jwe: string): Promise<string> {
  const { plaintext } = await compactDecrypt(jwe, await keyEncryptionKey(secret));
  return new TextDecoder().decode(plaintext);
}

export function encryptPrivateJwk(secret: string, jwk: object): Promise<string> {
  return encryptAtRest(secret, JSON.stringify(jwk), "jwk+json");
}

export async function decryptPrivateJwk(secret: string, jwe: string): Promise<Record<string, unknown>> {
  return v.parse(Jwk, JSON.parse(await decryptAtRest(secret, jwe)));
}
