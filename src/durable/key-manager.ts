// KeyManager: the singleton Durable Object that owns the key set, so that two isolates starting at once never
// generate competing keys and two rotations never interleave. It mirrors the set to KV, where every isolate
// reads it. The schedule itself (which key signs when) is in src/keys/schedule.ts.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { SigningAlgorithm } from "../config";
import type { Env } from "../env";
import { generateSigningKey } from "../keys/generate";
import {
  algorithmsToRotate,
  algorithmsWithoutSigningKey,
  keyInfo,
  scheduleForNewKey,
  withNewKeys,
  withoutExpiredKeys,
  type KeyInfo,
} from "../keys/schedule";
import { KeySet } from "../keys/schema";
import { doKeys, kv } from "../storage";

const STORAGE_KEY = doKeys.keyManager.keySet;
const EMPTY: KeySet = { v: 2, keys: [] };

/** What the cron run did. */
export interface ScheduledRotation {
  rotated: SigningAlgorithm[];
  removed: string[];
}

export class KeyManager extends DurableObject<Env> {
  /** The current key set; generates a signing key for every algorithm that has none (first start). */
  async ensureKeys(): Promise<KeySet> {
    const current = this.stored();
    if (current && algorithmsWithoutSigningKey(current, nowSeconds()).length === 0) return current;
    return this.update(async (keySet, now) => {
      const missing = algorithmsWithoutSigningKey(keySet, now);
      return missing.length === 0 ? null : this.addKeys(keySet, missing, now);
    });
  }

  /**
   * On demand (admin API): publishes the next key of every algorithm now; each starts signing only after
   * config.keys.activationDelaySeconds, when the key it replaces retires. Algorithms already mid-rotation are
   * left as they are. The returned set holds private keys only encrypted; show callers listKeys() instead.
   */
  async rotate(): Promise<KeySet> {
    return this.update(async (keySet, now) => {
      // On a fresh store the first keys are made (and sign at once); their successors are published either way.
      const current = await this.addKeys(
        withoutExpiredKeys(keySet, now),
        algorithmsWithoutSigningKey(keySet, now),
        now,
      );
      return this.addKeys(current, algorithmsToRotate(current, now, true), now);
    });
  }

  /** The cron trigger: rotates the algorithms whose key is due and removes keys past their retention. */
  async rotateIfDue(): Promise<ScheduledRotation> {
    const before = new Set(this.stored()?.keys.map((k) => k.kid));
    let rotated: SigningAlgorithm[] = [];
    const after = await this.update(async (keySet, now) => {
      rotated = algorithmsToRotate(keySet, now, false);
      const cleaned = withoutExpiredKeys(keySet, now);
      if (rotated.length === 0 && cleaned.keys.length === keySet.keys.length) return null;
      return this.addKeys(cleaned, rotated, now);
    });
    const kept = new Set(after.keys.map((k) => k.kid));
    return { rotated, removed: [...before].filter((kid) => !kept.has(kid)) };
  }

  /** Public information about every stored key (kid, alg, status and schedule), creating the first keys if needed. */
  async listKeys(): Promise<KeyInfo[]> {
    const keySet = await this.ensureKeys();
    const now = nowSeconds();
    return keySet.keys.map((key) => keyInfo(key, now));
  }

  private stored(): KeySet | undefined {
    const parsed = v.safeParse(KeySet, this.ctx.storage.kv.get(STORAGE_KEY));
    return parsed.success ? parsed.output : undefined;
  }

  private async addKeys(keySet: KeySet, algs: readonly SigningAlgorithm[], now: number): Promise<KeySet> {
    const added = await Promise.all(
      algs.map((alg) => generateSigningKey(alg, this.env.KEY_ENCRYPTION_SECRET, scheduleForNewKey(keySet, alg, now))),
    );
    return withNewKeys(keySet, added);
  }

  /**
   * One change at a time (blockConcurrencyWhile: no other call sees a half-made set). KV is written first and
   * this object's storage only once KV has accepted the set, so a failed KV write changes nothing and the
   * change is simply made again next time: KV never lags behind a schedule the object has committed to.
   */
  private update(change: (keySet: KeySet, now: number) => Promise<KeySet | null>): Promise<KeySet> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const current = this.stored() ?? EMPTY;
      const next = await change(current, nowSeconds());
      if (!next) return current;
      await this.env.KEYS.put(kv.keySet, JSON.stringify(next));
      this.ctx.storage.kv.put(STORAGE_KEY, next);
      return next;
    });
  }
}
