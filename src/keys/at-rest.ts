// Encryption at rest of private signing keys (compact JWE, dir + A256GCM).
import { CompactEncrypt, compactDecrypt } from "jose";
import * as v from "valibot";
import { deriveKey } from "../lib/crypto";

const Jwk = v.record(v.string(), v.unknown());

const PURPOSE = "edge-oidc private key encryption v1";
let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

function keyEncryptionKey(secret: string): Promise<CryptoKey> {
  if (!secret) throw new Error("KEY_ENCRYPTION_SECRET is not configured");
  if (cached?.secret !== secret) {
    cached = { secret, key: deriveKey(secret, PURPOSE, { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]) };
  }
  return cached.key;
}

export async function encryptPrivateJwk(secret: string, jwk: object): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", cty: "jwk+json" })
    .encrypt(await keyEncryptionKey(secret));
}

export async function decryptPrivateJwk(secret: string, jwe: string): Promise<Record<string, unknown>> {
  const { plaintext } = await compactDecrypt(jwe, await keyEncryptionKey(secret));
  return v.parse(Jwk, JSON.parse(new TextDecoder().decode(plaintext)));
}
