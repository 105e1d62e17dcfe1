// The issuer's signing keys for jose: the JWK Set (RFC 7517 §5) found through discovery, cached as a document
// (document.ts, which also caches the discovery document), wrapped in jose's createLocalJWKSet. A `kid` the cached
// set does not know may be a freshly rotated key: it triggers a refetch from the network, at most one at a time
// (concurrent misses wait for the same fetch) and at most one per cool-down (a stream of tokens with made-up kids
// cannot turn into a stream of fetches).
//
// Why not jose's createRemoteJWKSet, with [customFetch] for the service binding and [jwksCache] kept in the Cache
// API? Run in workerd (jose 6.2.18) against test/resource/jwks-cache.test.ts, with Date.now mapped onto the test
// clock, it broke what docs/protecting-your-api.md ("Caching and rotation") promises:
//   - on Workers it drops its in-flight fetch rather than share it: 30 concurrent cold verifications made 30 JWKS
//     requests, 50 concurrent tokens with a new kid made 50 (here: 1 each; see the test "jose's createRemoteJWKSet");
//   - one fixed cacheMaxAge instead of the response's Cache-Control (max-age, Age, no-store, must-revalidate);
//   - a failed refresh fails verification (no stale-if-error, no maxStaleSeconds); with the issuer down and no keys,
//     10 calls made 10 requests (no failure cool-down);
//   - its kid-miss cool-down runs from the set's `uat`, which [jwksCache] shares: a new isolate given a copy 1 s old
//     refused a rotated key with no request; a known kid with another alg refetched; the refetch cannot ask past
//     HTTP caches (no-store); its clock is Date.now(), not the `now` option.
// Restoring those around it would rebuild document.ts, which the discovery document needs anyway. Speed is not
// the reason: with a warm set both verified at the same rate within noise (scripts/bench/verifier.mjs).
import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
} from "jose";
import * as v from "valibot";
import type { CachedDocument } from "./document";
import { DocumentRegistry } from "./document";
import { discoveredEndpoint } from "./discovery";
import { AccessTokenError } from "./errors";
import { unavailable } from "./http";
import type { ResolvedOptions } from "./options";

interface KeySet {
  getKey: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  /** Keys jose has already resolved and imported, by alg and kid: the hot path returns these directly. */
  resolved: Map<string, CryptoKey>;
}

const registry = new DocumentRegistry<KeySet>();

const optionalString = v.optional(v.string());

/**
 * RFC 7517 §4 / RFC 7518 §6: the members of a public JWK that jose needs to import it. Other members are
 * dropped, so that the output is a jose JWK as it stands (no cast) and nothing private is kept.
 */
const Jwk = v.object({
  kty: v.string(),
  kid: optionalString,
  alg: optionalString,
  use: optionalString,
  key_ops: v.optional(v.array(v.string())),
  ext: v.optional(v.boolean()),
  crv: optionalString,
  x: optionalString,
  y: optionalString,
  n: optionalString,
  e: optionalString,
  pub: optionalString,
});

const JwkSet = v.object({ keys: v.array(Jwk) });

function parseKeySet(body: unknown): KeySet {
  const parsed = v.safeParse(JwkSet, body);
  if (!parsed.success) throw unavailable("the issuer's JWKS is malformed");
  let getKey: JWTVerifyGetKey;
  try {
    // jose checks every member further (public keys only, usable for the token's alg) when it is used.
    getKey = createLocalJWKSet(parsed.output);
  } catch (err) {
    throw unavailable("the issuer's JWKS is malformed", err);
  }
  const kids = new Set<string>();
  for (const key of parsed.output.keys) if (key.kid !== undefined) kids.add(key.kid);
  return { getKey, kids, resolved: new Map() };
}

async function keySetDocument(opts: ResolvedOptions): Promise<CachedDocument<KeySet>> {
  // OIDC Discovery §3: jwks_uri is REQUIRED; without it there is nothing to verify a signature with.
  const url = opts.jwksUri ?? (await discoveredEndpoint(opts, "jwks_uri"));
  return registry.get(url, parseKeySet);
}

/** Which document holds each issuer's keys, once known: the hot path's only lookup. */
const documentOf = new Map<string, CachedDocument<KeySet>>();

/** A jose key resolver over the issuer's cached JWKS. */
export function issuerKeys(opts: ResolvedOptions): JWTVerifyGetKey {
  // The hot path: a fresh key set that has resolved this alg and kid before answers without any await.
  return function issuerKey(header, token) {
    // jose hands the header over without checking the type of kid, so it is checked before any use.
    requireStringKid(header);
    const hit = documentOf.get(opts.keysId)?.fresh(opts.now())?.resolved.get(`${header.alg} ${header.kid}`);
    return hit ?? resolve(opts, header, token);
  };
}

/**
 * RFC 7515 §4.1.4: "The kid value is a case-sensitive string." A header with any other kid (an object, an
 * array, a number) is malformed: it must not reach a template string (an object may not convert) nor match
 * a cached key by its string form (`["k1"]` reads as `k1`).
 */
function requireStringKid(header: JWTHeaderParameters): void {
  const kid: unknown = header.kid;
  if (kid !== undefined && typeof kid !== "string") {
    throw new AccessTokenError("ERR_TOKEN_MALFORMED", "the access token's kid is not a string");
  }
}

async function resolve(
  opts: ResolvedOptions,
  header: JWTHeaderParameters,
  token: FlattenedJWSInput,
): Promise<CryptoKey> {
  const doc = await keySetDocument(opts);
  documentOf.set(opts.keysId, doc);
  const keys = doc.fresh(opts.now()) ?? (await doc.refresh(opts, "any")).value;
  try {
    return remember(keys, header, await keys.getKey(header, token));
  } catch (err) {
    if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
    // A kid we already hold, with a mismatching alg, is not a rotation: no refetch.
    if (typeof header.kid === "string" && keys.kids.has(header.kid)) throw err;
    const newer = await keysAfterMiss(doc, keys, opts);
    if (!newer || newer === keys) throw err;
    return remember(newer, header, await newer.getKey(header, token));
  }
}

function remember(keys: KeySet, header: JWTHeaderParameters, key: unknown): CryptoKey {
  // createLocalJWKSet imports JWKs as CryptoKeys (Web Crypto); anything else is not a key we can verify with.
  if (!(key instanceof CryptoKey)) throw unavailable("the issuer's JWKS holds a key that cannot be used");
  // Only tokens naming a kid are remembered: without one, jose picks the key by alg each time.
  if (typeof header.kid === "string") keys.resolved.set(`${header.alg} ${header.kid}`, key);
  return key;
}

/** The key set to retry with after a kid miss, or undefined when the cool-down forbids asking again. */
async function keysAfterMiss(
  doc: CachedDocument<KeySet>,
  seen: KeySet,
  opts: ResolvedOptions,
): Promise<KeySet | undefined> {
  // Someone is already fetching: wait for that one fetch rather than starting another.
  if (doc.loading) return (await doc.loading).value;
  // Someone refreshed the set since we looked at it.
  if (doc.current && doc.current.value !== seen) return doc.current.value;
  if (opts.now() - doc.lastNetworkFetch < opts.cooldown) return undefined;
  return (await doc.refresh(opts, "network")).value;
}
