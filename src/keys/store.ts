// Signing keys as the Worker sees them: the key set read from KV (isolate cache <= 60 s), private keys
// decrypted and imported once per isolate, and the public JWKS. Which key signs and which are published is
// decided by src/keys/schedule.ts from (key set, now) alone, so isolates holding the same set agree.
import { createLocalJWKSet, importJWK, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config, type SigningAlgorithm } from "../config";
import type { Env } from "../env";
import { decryptPrivateJwk } from "./at-rest";
import { publishedKeys, signingKeyFor } from "./schedule";
import { kv, objects } from "../storage";
import { KeySet, type StoredKey } from "./schema";

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

interface LoadedKeySet {
  keySet: KeySet;
  /** On the injected clock, so tests that move time also age this cache. */
  loadedAt: number;
  verifier: JWTVerifyGetKey;
}

let loaded: LoadedKeySet | undefined;
let loading: Promise<LoadedKeySet> | undefined;
const importedPrivateKeys = new Map<string, Promise<CryptoKey>>();

/** Fresh for isolateCacheSeconds; a clock that went backwards (tests resetting it) also invalidates. */
function isFresh(entry: LoadedKeySet, now: number): boolean {
  return now >= entry.loadedAt && now < entry.loadedAt + config.isolateCacheSeconds;
}

async function loadKeySet(env: Env): Promise<LoadedKeySet> {
  if (loaded && isFresh(loaded, nowSeconds())) return loaded;
  // Concurrent requests of a cold isolate share one KV read.
  loading ??= readKeySet(env).finally(() => {
    loading = undefined;
  });
  return loading;
}

async function readKeySet(env: Env): Promise<LoadedKeySet> {
  const parsed = v.safeParse(KeySet, await env.KEYS.get(kv.keySet, "json"));
  // KV has no key set yet (first start) or it has not reached this location: ask the owner.
  return remember(parsed.success ? parsed.output : await objects.keyManager(env).ensureKeys());
}

function remember(keySet: KeySet): LoadedKeySet {
  const now = nowSeconds();
  loaded = { keySet, loadedAt: now, verifier: createLocalJWKSet(toJwks(publishedKeys(keySet, now))) };
  return loaded;
}

function toJwks(keys: readonly StoredKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => ({ ...k.publicJwk })) };
}

/** Test hook: forget the cached key set, as if this isolate's cache had expired. */
export function forgetKeySet(): void {
  loaded = undefined;
}

let serializedJwks: { kids: string; json: string } | undefined;

/**
 * The JWKS as published now (RFC 7517 §5: next, active and retired keys), as JSON, serialized again only when
 * the set of published keys changes.
 */
export async function jwksJson(env: Env): Promise<string> {
  const keys = publishedKeys((await loadKeySet(env)).keySet, nowSeconds());
  const kids = keys.map((k) => k.kid).join(" ");
  if (serializedJwks?.kids !== kids) serializedJwks = { kids, json: JSON.stringify(toJwks(keys)) };
  return serializedJwks.json;
}

/** Key resolver for verifying JWTs this provider issued (access tokens at userinfo, id_token_hint). */
export async function ownKeyResolver(env: Env): Promise<JWTVerifyGetKey> {
  return (await loadKeySet(env)).verifier;
}

/** The key that signs for an algorithm now (schedule.ts), imported once per isolate. */
export async function signingKey(env: Env, alg: SigningAlgorithm): Promise<SigningKey> {
  const stored = await currentKey(env, alg);
  let key = importedPrivateKeys.get(stored.kid);
  if (!key) {
    key = importPrivate(env, stored);
    importedPrivateKeys.set(stored.kid, key);
    key.catch(() => importedPrivateKeys.delete(stored.kid));
  }
  return { kid: stored.kid, alg, key: await key };
}

async function currentKey(env: Env, alg: SigningAlgorithm): Promise<StoredKey> {
  const cached = signingKeyFor((await loadKeySet(env)).keySet, alg, nowSeconds());
  if (cached) return cached;
  // No key signs for this algorithm in the set we hold (an algorithm added to config): the owner makes one.
  const fromOwner = signingKeyFor(remember(await objects.keyManager(env).ensureKeys()).keySet, alg, nowSeconds());
  if (!fromOwner) throw new Error(`no signing key for ${alg}`);
  return fromOwner;
}

async function importPrivate(env: Env, stored: StoredKey): Promise<CryptoKey> {
  const jwk = await decryptPrivateJwk(env.KEY_ENCRYPTION_SECRET, stored.encryptedPrivateJwk);
  const key = await importJWK(jwk, stored.alg);
  if (!(key instanceof CryptoKey)) throw new Error("unexpected key type");
  return key;
}
