// The rotation schedule as pure functions of (key set, now): which key signs, which keys are published, what a
// rotation changes. Every isolate holding the same key set therefore agrees, and tests drive it with the clock.
//
// A key's life (docs/keys-and-rotation.md, numbers in config.keys):
//   publishedAt ── next ──> activatesAt ── active ──> retiresAt ── retired ──> deleteAfter ── (gone)
// "next" keys are in the JWKS but do not sign yet, so every verifier has them before the first token they sign;
// "retired" keys no longer sign but stay in the JWKS until every token they signed has expired.
import { config, type SigningAlgorithm } from "../config";
import type { KeySet, StoredKey } from "./schema";

type KeyStatus = "next" | "active" | "retired" | "expired";

/** What the admin API may show about a key: never private material. */
export interface KeyInfo {
  kid: string;
  alg: SigningAlgorithm;
  status: KeyStatus;
  publishedAt: number;
  activatesAt: number;
  retiresAt: number | undefined;
  deleteAfter: number | undefined;
}

function keyStatus(key: StoredKey, now: number): KeyStatus {
  if (key.deleteAfter !== undefined && now >= key.deleteAfter) return "expired";
  if (now < key.activatesAt) return "next";
  if (key.retiresAt !== undefined && now >= key.retiresAt) return "retired";
  return "active";
}

/** The key that signs for an algorithm now: the active one activated last (undefined when there is none). */
export function signingKeyFor(keySet: KeySet, alg: SigningAlgorithm, now: number): StoredKey | undefined {
  let chosen: StoredKey | undefined;
  for (const key of keySet.keys) {
    if (key.alg !== alg || keyStatus(key, now) !== "active") continue;
    if (!chosen || key.activatesAt > chosen.activatesAt) chosen = key;
  }
  return chosen;
}

/** RFC 7517 §5: the JWKS lists every key that may have signed a live token, and the next ones. */
export function publishedKeys(keySet: KeySet, now: number): StoredKey[] {
  return keySet.keys.filter((key) => keyStatus(key, now) !== "expired");
}

export function keyInfo(key: StoredKey, now: number): KeyInfo {
  return {
    kid: key.kid,
    alg: key.alg,
    status: keyStatus(key, now),
    publishedAt: key.publishedAt,
    activatesAt: key.activatesAt,
    retiresAt: key.retiresAt,
    deleteAfter: key.deleteAfter,
  };
}

/** Algorithms with no key signing now (first start, or an algorithm newly added to config). */
export function algorithmsWithoutSigningKey(keySet: KeySet, now: number): SigningAlgorithm[] {
  return config.signingAlgorithms.filter((alg) => !signingKeyFor(keySet, alg, now));
}

function hasNextKey(keySet: KeySet, alg: SigningAlgorithm, now: number): boolean {
  return keySet.keys.some((key) => key.alg === alg && keyStatus(key, now) === "next");
}

/**
 * Algorithms a rotation would give a next key: all of them when forced, otherwise those whose signing key
 * has signed for config.keys.rotateEverySeconds. An algorithm whose next key is already published is
 * mid-rotation and is left alone (a second forced rotation does not pile up keys).
 */
export function algorithmsToRotate(keySet: KeySet, now: number, force: boolean): SigningAlgorithm[] {
  return config.signingAlgorithms.filter((alg) => {
    if (hasNextKey(keySet, alg, now)) return false;
    const current = signingKeyFor(keySet, alg, now);
    return !current || force || now - current.activatesAt >= config.keys.rotateEverySeconds;
  });
}

/** The timestamps a key published now gets: immediately active only when nothing signs for its algorithm yet. */
export function scheduleForNewKey(
  keySet: KeySet,
  alg: SigningAlgorithm,
  now: number,
): Pick<StoredKey, "publishedAt" | "activatesAt"> {
  const immediate = !signingKeyFor(keySet, alg, now);
  return { publishedAt: now, activatesAt: immediate ? now : now + config.keys.activationDelaySeconds };
}

/**
 * Adds freshly generated keys (scheduled by scheduleForNewKey) and retires, at each new key's activation,
 * the keys of its algorithm that would otherwise keep signing past it.
 */
export function withNewKeys(keySet: KeySet, added: readonly StoredKey[]): KeySet {
  const keys = keySet.keys.map((key) => {
    const successor = added.find((k) => k.alg === key.alg);
    if (!successor) return key;
    if (key.retiresAt !== undefined && key.retiresAt <= successor.activatesAt) return key;
    const retiresAt = Math.max(successor.activatesAt, key.activatesAt);
    return { ...key, retiresAt, deleteAfter: retiresAt + config.keys.retainAfterRetireSeconds };
  });
  return { v: 2, keys: [...keys, ...added] };
}

/** Drops keys past deleteAfter: nothing they signed is still valid. */
export function withoutExpiredKeys(keySet: KeySet, now: number): KeySet {
  return { v: 2, keys: keySet.keys.filter((key) => keyStatus(key, now) !== "expired") };
}
