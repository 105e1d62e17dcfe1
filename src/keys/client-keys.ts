// A client's public encryption key (OIDC Core §10.2): found in its registered `jwks`, or in the document at its
// `jwks_uri` (fetched with a short isolate cache), by key type and by `use: "enc"` or a matching `alg`.
import { importJWK, type JWK } from "jose";
import { publicJwk, remoteKeySet, type PublicJwk } from "../clients/client-jwks";
import type { Client } from "../clients/schema";

export type KeyManagementAlgorithm = "RSA-OAEP-256" | "ECDH-ES+A256KW";

export interface ClientEncryptionKey {
  key: CryptoKey;
  kid: string | undefined;
}

/** One table entry per key-management algorithm: which keys it can use, and their public members. */
const keyTypes: Record<KeyManagementAlgorithm, { fits: (jwk: PublicJwk) => boolean; members: readonly (keyof PublicJwk)[] }> = {
  "RSA-OAEP-256": { fits: (jwk) => jwk.kty === "RSA", members: ["kty", "n", "e"] },
  "ECDH-ES+A256KW": {
    fits: (jwk) => (jwk.kty === "EC" && ["P-256", "P-384", "P-521"].includes(jwk.crv ?? "")) || (jwk.kty === "OKP" && jwk.crv === "X25519"),
    members: ["kty", "crv", "x", "y"],
  },
};

/** Imported keys per isolate, so a client's key is imported once, not on every response. */
const imported = new Map<string, Promise<CryptoKey>>();
const IMPORTED_LIMIT = 500;

/** The client's key for this algorithm, imported as a public key; throws when it registered none. */
export async function clientEncryptionKey(client: Client, alg: KeyManagementAlgorithm): Promise<ClientEncryptionKey> {
  const jwk = pickKey(await clientKeys(client), alg);
  if (!jwk) throw new Error(`client ${client.client_id} has no ${alg} encryption key`);
  return { key: await importOnce(publicMembers(jwk, alg), alg), kid: jwk.kid };
}

function importOnce(jwk: JWK, alg: KeyManagementAlgorithm): Promise<CryptoKey> {
  const cacheKey = `${alg}:${JSON.stringify(jwk)}`;
  let key = imported.get(cacheKey);
  if (!key) {
    if (imported.size >= IMPORTED_LIMIT) imported.clear();
    key = importJWK(jwk, alg).then((k) => {
      if (!(k instanceof CryptoKey)) throw new Error("unexpected key type");
      return k;
    });
    imported.set(cacheKey, key);
    key.catch(() => imported.delete(cacheKey));
  }
  return key;
}

/**
 * Keys of the right type that are not signing keys, and say they are for encryption (`use: "enc"`) or for
 * this algorithm (`alg`): a key registered for private_key_jwt is never used to encrypt.
 */
function pickKey(keys: readonly PublicJwk[], alg: KeyManagementAlgorithm): PublicJwk | undefined {
  for (const jwk of keys) {
    if (!keyTypes[alg].fits(jwk) || jwk.use === "sig") continue;
    if (jwk.alg !== undefined && jwk.alg !== alg) continue;
    if (jwk.use === "enc" || jwk.alg === alg) return jwk;
  }
  return undefined;
}

/** Only the public members: a private member registered by mistake never turns into a private key here. */
function publicMembers(jwk: PublicJwk, alg: KeyManagementAlgorithm): JWK {
  const out: Record<string, string> = {};
  for (const name of keyTypes[alg].members) {
    const value = jwk[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/** The registered keys, or those at jwks_uri through the same cached remote set private_key_jwt uses. */
async function clientKeys(client: Client): Promise<PublicJwk[]> {
  if (client.jwks) return parsedKeys(client.jwks.keys);
  if (!client.jwks_uri) return [];
  const set = remoteKeySet(client.jwks_uri);
  if (!set.fresh) await set.reload();
  return parsedKeys(set.jwks()?.keys ?? []);
}

function parsedKeys(keys: readonly object[]): PublicJwk[] {
  return keys.flatMap((key) => {
    const parsed = publicJwk({ ...key });
    return parsed.ok ? [parsed.key] : [];
  });
}
