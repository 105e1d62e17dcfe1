// KeyManager: the singleton Durable Object that owns the key set, so that two isolates starting at once
// never generate competing keys. It mirrors the set to KV, where every isolate reads it.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { config } from "../config";
import type { Env } from "../env";
import { generateSigningKey } from "../keys/generate";
import { KEYSET_KV_KEY, KeySet } from "../keys/schema";

const STORAGE_KEY = "keyset";

export class KeyManager extends DurableObject<Env> {
  /** The current key set, generating one key per supported algorithm the first time none exists. */
  async ensureKeys(): Promise<KeySet> {
    const stored = v.safeParse(KeySet, this.ctx.storage.kv.get(STORAGE_KEY));
    if (stored.success) return stored.output;
    // blockConcurrencyWhile: no second request may see an empty store while keys are being generated.
    return this.ctx.blockConcurrencyWhile(async () => {
      const again = v.safeParse(KeySet, this.ctx.storage.kv.get(STORAGE_KEY));
      if (again.success) return again.output;
      const keys = await Promise.all(
        config.signingAlgorithms.map((alg) => generateSigningKey(alg, this.env.KEY_ENCRYPTION_SECRET)),
      );
      const keySet: KeySet = { v: 1, keys };
      this.ctx.storage.kv.put(STORAGE_KEY, keySet);
      await this.env.KEYS.put(KEYSET_KV_KEY, JSON.stringify(keySet));
      return keySet;
    });
  }
}

export function keyManager(env: Env): DurableObjectStub<KeyManager> {
  return env.KEY_MANAGER.get(env.KEY_MANAGER.idFromName("keys"));
}
