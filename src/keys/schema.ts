// The stored key set: KV KEYS `keyset` (read by every isolate) mirrors the KeyManager Durable Object's copy.
import * as v from "valibot";
import { config } from "../config";

export const StoredKey = v.object({
  kid: v.string(),
  alg: v.picklist(config.signingAlgorithms),
  createdAt: v.number(),
  /** Public JWK as published in the JWKS. */
  publicJwk: v.record(v.string(), v.unknown()),
  /** Private JWK, encrypted at rest as a compact JWE (dir + A256GCM) under a key derived from KEY_ENCRYPTION_SECRET. */
  encryptedPrivateJwk: v.string(),
});
export type StoredKey = v.InferOutput<typeof StoredKey>;

export const KeySet = v.object({ v: v.literal(1), keys: v.array(StoredKey) });
export type KeySet = v.InferOutput<typeof KeySet>;

export const KEYSET_KV_KEY = "keyset";
