// The stored key set: KV KEYS `keyset` (read by every isolate) mirrors the KeyManager Durable Object's copy.
// Each key carries its schedule as timestamps; its status at any moment is derived from them
// (src/keys/schedule.ts), so every isolate holding the same set agrees on which key signs.
import * as v from "valibot";
import { config } from "../config";

const Seconds = v.pipe(v.number(), v.integer());
/** JWK members are strings (kty, n, e, crv, x, y, kid, alg, use) or, for key_ops, string arrays. */
const JwkMembers = v.record(v.string(), v.union([v.string(), v.array(v.string()), v.boolean(), v.number()]));

export const StoredKey = v.object({
  kid: v.string(),
  alg: v.picklist(config.signingAlgorithms),
  /** When the key was first written to the set: from then on it is in the JWKS. */
  publishedAt: Seconds,
  /** When it starts signing: at least config.keys.activationDelaySeconds after publication (except the first keys). */
  activatesAt: Seconds,
  /** When it stops signing (its successor's activatesAt); absent while it has no successor. */
  retiresAt: v.optional(Seconds),
  /** When it leaves the JWKS: retiresAt + config.keys.retainAfterRetireSeconds. */
  deleteAfter: v.optional(Seconds),
  /** Public JWK as published in the JWKS. */
  publicJwk: JwkMembers,
  /** Private JWK, encrypted at rest as a compact JWE (dir + A256GCM) under a key derived from KEY_ENCRYPTION_SECRET. */
  encryptedPrivateJwk: v.string(),
});
export type StoredKey = v.InferOutput<typeof StoredKey>;

const CurrentKeySet = v.object({ v: v.literal(2), keys: v.array(StoredKey) });

/** Version 1 (before rotation): one key per algorithm with only a creation time. */
const KeySetV1 = v.object({
  v: v.literal(1),
  keys: v.array(
    v.object({
      kid: v.string(),
      alg: v.picklist(config.signingAlgorithms),
      createdAt: Seconds,
      publicJwk: JwkMembers,
      encryptedPrivateJwk: v.string(),
    }),
  ),
});

/** A version 1 key was published and signing from its creation on. */
function upgradeV1(old: v.InferOutput<typeof KeySetV1>): v.InferOutput<typeof CurrentKeySet> {
  return {
    v: 2,
    keys: old.keys.map(({ createdAt, ...key }) => ({ ...key, publishedAt: createdAt, activatesAt: createdAt })),
  };
}

export const KeySet = v.union([CurrentKeySet, v.pipe(KeySetV1, v.transform(upgradeV1))]);
export type KeySet = v.InferOutput<typeof CurrentKeySet>;
