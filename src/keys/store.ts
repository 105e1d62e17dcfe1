// Signing keys as the Worker sees them: the key set read from KV (isolate cache <= 60 s), private keys
// decrypted and imported once per isolate, and the public JWKS.
import { createLocalJWKSet, importJWK, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import * as v from "valibot";
import { config, type SigningAlgorithm } from "../config";
import { keyManager } from "../durable/key-manager";
import type { Env } from "../env";
import { decryptPrivateJwk } from "./at-rest";
import { KEYSET_KV_KEY, KeySet, type StoredKey } from "./schema";

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

let keySetCache: { keySet: KeySet; expiresAt: number; verifier: JWTVerifyGetKey } | undefined;
const importedPrivateKeys = new Map<string, Promise<CryptoKey>>();

async function loadKeySet(env: Env): Promise<NonNullable<typeof keySetCache>> {
  if (keySetCache && keySetCache.expiresAt > Date.now()) return keySetCache;
  const parsed = v.safeParse(KeySet, await env.KEYS.get(KEYSET_KV_KEY, "json"));
  // KV has no key set yet (first start) or it has not reached this location: ask the owner.
  const keySet = parsed.success ? parsed.output : await keyManager(env).ensureKeys();
  keySetCache = {
    keySet,
    expiresAt: Date.now() + config.isolateCacheSeconds * 1000,
    verifier: createLocalJWKSet(publicJwks(keySet)),
  };
  return keySetCache;
}

function publicJwks(keySet: KeySet): JSONWebKeySet {
  return { keys: keySet.keys.map((k) => ({ ...k.publicJwk })) };
}

export async function jwks(env: Env): Promise<JSONWebKeySet> {
  return publicJwks((await loadKeySet(env)).keySet);
}

/** Key resolver for verifying JWTs this provider issued (access tokens at userinfo, id_token_hint). */
export async function ownKeyResolver(env: Env): Promise<JWTVerifyGetKey> {
  return (await loadKeySet(env)).verifier;
}

/** The newest key for an algorithm, imported once per isolate. */
export async function signingKey(env: Env, alg: SigningAlgorithm): Promise<SigningKey> {
  const { keySet } = await loadKeySet(env);
  const stored = newestKeyFor(keySet, alg);
  let key = importedPrivateKeys.get(stored.kid);
  if (!key) {
    key = importPrivate(env, stored);
    importedPrivateKeys.set(stored.kid, key);
    key.catch(() => importedPrivateKeys.delete(stored.kid));
  }
  return { kid: stored.kid, alg, key: await key };
}

function newestKeyFor(keySet: KeySet, alg: SigningAlgorithm): StoredKey {
  const candidates = keySet.keys.filter((k) => k.alg === alg).sort((a, b) => b.createdAt - a.createdAt);
  const newest = candidates[0];
  if (!newest) throw new Error(`no signing key for ${alg}`);
  return newest;
}

async function importPrivate(env: Env, stored: StoredKey): Promise<CryptoKey> {
  const jwk = await decryptPrivateJwk(env.KEY_ENCRYPTION_SECRET, stored.encryptedPrivateJwk);
  const key = await importJWK(jwk, stored.alg);
  if (!(key instanceof CryptoKey)) throw new Error("unexpected key type");
  return key;
}
