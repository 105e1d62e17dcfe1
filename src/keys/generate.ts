// Generation of signing keys: one table entry per algorithm, resolved once (STYLE.md, after panva/jose).
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { SigningAlgorithm } from "../config";
import { nowSeconds } from "../clock";
import { encryptPrivateJwk } from "./at-rest";
import type { StoredKey } from "./schema";

const generationOptions: Record<SigningAlgorithm, { modulusLength?: number; crv?: string }> = {
  RS256: { modulusLength: 2048 },
  PS256: { modulusLength: 2048 },
  ES256: {},
  EdDSA: { crv: "Ed25519" },
};

export async function generateSigningKey(alg: SigningAlgorithm, encryptionSecret: string): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...generationOptions[alg], extractable: true });
  const publicJwk = await exportJWK(publicKey);
  // RFC 7638 thumbprint as kid: unique per key and stable.
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    createdAt: nowSeconds(),
    publicJwk: { ...publicJwk, kid, alg, use: "sig" },
    encryptedPrivateJwk: await encryptPrivateJwk(encryptionSecret, { ...privateJwk, kid, alg }),
  };
}
