// Generation of signing keys: one table entry per algorithm, resolved once (after panva/jose).
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { SigningAlgorithm } from "../config";
import { encryptPrivateJwk } from "./at-rest";
import type { StoredKey } from "./schema";

const generationOptions: Record<SigningAlgorithm, { modulusLength?: number; crv?: string }> = {
  RS256: { modulusLength: 2048 },
  PS256: { modulusLength: 2048 },
  ES256: {},
  EdDSA: { crv: "Ed25519" },
};

/** A new key pair, its private half encrypted at rest, with the schedule it is published under. */
export async function generateSigningKey(
  alg: SigningAlgorithm,
  encryptionSecret: string,
  schedule: Pick<StoredKey, "publishedAt" | "activatesAt">,
): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...generationOptions[alg], extractable: true });
  const publicJwk = await exportJWK(publicKey);
  // RFC 7638 thumbprint as kid: unique per key and stable.
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    ...schedule,
    publicJwk: { ...stringMembers(publicJwk), kid, alg, use: "sig" },
    encryptedPrivateJwk: await encryptPrivateJwk(encryptionSecret, { ...privateJwk, kid, alg }),
  };
}

/** A public key's members are all strings (kty, n, e, crv, x, y): stored and published as exactly those. */
function stringMembers(jwk: JWK): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jwk).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}
