// A client's public encryption key (OIDC Core §10.2): found in its registered `jwks`, or in the document at its
// `jwks_uri` (fetched with a short isolate cache), by key type and by `use: "enc"` or a matching `alg`.
import { importJWK, type JWK } from "jose";
import * as v from "valibot";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";

export type KeyManagementAlgorithm = "RSA-OAEP-256" | "ECDH-ES+A256KW";

export interface ClientEncryptionKey {
  key: CryptoKey;
  kid: string | undefined;
}

const PublicJwk = v.looseObject({
  kty: v.string(),
  use: v.optional(v.string()),
  alg: v.optional(v.string()),
  kid: v.optional(v.string()),
  crv: v.optional(v.string()),
  n: v.optional(v.string()),
  e: v.optional(v.string()),
  x: v.optional(v.string()),
  y: v.optional(v.string()),
});
type PublicJwk = v.InferOutput<typeof PublicJwk>;

const JwkSet = v.object({ keys: v.array(v.unknown()) });

/** One table entry per key-management algorithm: which keys it can use, and their public members. */
const keyTypes: Record<KeyManagementAlgorithm, { fits: (jwk: PublicJwk) => boolean; members: readonly string[] }> = {
  "RSA-OAEP-256": { fits: (jwk) => jwk.kty === "RSA", members: ["kty", "n", "e"] },
  "ECDH-ES+A256KW": {
    fits: (jwk) => (jwk.kty === "EC" && ["P-256", "P-384", "P-521"].includes(jwk.crv ?? "")) || (jwk.kty === "OKP" && jwk.crv === "X25519"),
    members: ["kty", "crv", "x", "y"],
  },
};

const MAX_JWKS_BYTES = 64 * 1024;
const fetched = new Map<string, { keys: unknown[]; fetchedAt: number }>();

/** The client's key for this algorithm, imported as a public key; throws when it registered none. */
export async function clientEncryptionKey(client: Client, alg: KeyManagementAlgorithm): Promise<ClientEncryptionKey> {
  const jwk = pickKey(await clientKeys(client), alg);
  if (!jwk) throw new Error(`client ${client.client_id} has no ${alg} encryption key`);
  const key = await importJWK(publicMembers(jwk, alg), alg);
  if (!(key instanceof CryptoKey)) throw new Error("unexpected key type");
  return { key, kid: jwk.kid };
}

/**
 * Keys of the right type that are not signing keys, and say they are for encryption (`use: "enc"`) or for
 * this algorithm (`alg`): a key registered for private_key_jwt is never used to encrypt.
 */
function pickKey(keys: readonly unknown[], alg: KeyManagementAlgorithm): PublicJwk | undefined {
  for (const raw of keys) {
    const parsed = v.safeParse(PublicJwk, raw);
    if (!parsed.success) continue;
    const jwk = parsed.output;
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

async function clientKeys(client: Client): Promise<unknown[]> {
  if (client.jwks) return client.jwks.keys;
  if (!client.jwks_uri) return [];
  const hit = fetched.get(client.jwks_uri);
  const now = nowSeconds();
  if (hit && now >= hit.fetchedAt && now < hit.fetchedAt + config.isolateCacheSeconds) return hit.keys;
  const keys = await fetchJwks(client.jwks_uri);
  fetched.set(client.jwks_uri, { keys, fetchedAt: now });
  return keys;
}

async function fetchJwks(uri: string): Promise<unknown[]> {
  const res = await fetch(uri, { headers: { accept: "application/jwk-set+json, application/json" }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`jwks_uri answered ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error("jwks_uri document is too large");
  return v.parse(JwkSet, JSON.parse(text)).keys;
}
