// AssertionReplay: Durable Objects remembering single-use JWTs, so a replay is refused at every edge location: one
// object per client assertion (`<client_id>:<jti>`, RFC 7523 §3 item 7) and per request object
// (`jar#<client_id>:<jti>`, RFC 9101); one per DPoP key and time bucket (`dpop#<jkt>#<bucket>`, RFC 9449 §11.1),
// holding the jti of each of that key's proofs whose iat falls in the bucket. A client sends a proof with every
// request, so its proofs share one warm object instead of each creating its own. The names are in src/storage.ts.
// The check-and-mark is synchronous (SQLite-backed sync KV), so among any number of racing requests carrying
// the same JWT exactly one wins. An alarm deletes the object once the JWT can no longer be accepted: from then
// on its own time claims (exp, or a proof's iat) refuse it.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys, objects } from "../storage";

const SEEN_KEY = doKeys.assertionReplay.seen;
const jtiKey = doKeys.assertionReplay.jti;
/** When the JWT stops being acceptable (an assertion's exp plus skew, a proof's iat plus its window), in epoch seconds. */
const Seen = v.object({ v: v.literal(1), until: v.number() });

export class AssertionReplay extends DurableObject<Env> {
  /** true the first time this JWT is presented, false ever after (until it can no longer be accepted). */
  async use(until: number): Promise<boolean> {
    if (this.ctx.storage.kv.get(SEEN_KEY) !== undefined) return false;
    this.ctx.storage.kv.put(SEEN_KEY, { v: 1, until });
    void this.ctx.storage.setAlarm(until * 1000);
    return true;
  }

  /**
   * true the first time this `jti` is presented to this object, false ever after: the object of one DPoP key and
   * time bucket, kept until `until` (the same for every proof of the bucket), when all of it goes at once.
   */
  async useAmong(jti: string, until: number): Promise<boolean> {
    const key = jtiKey(jti);
    if (this.ctx.storage.kv.get(key) !== undefined) return false;
    this.ctx.storage.kv.put(key, 1);
    if (this.ctx.storage.kv.get(SEEN_KEY) === undefined) {
      this.ctx.storage.kv.put(SEEN_KEY, { v: 1, until });
      void this.ctx.storage.setAlarm(until * 1000);
    }
    return true;
  }

  override async alarm(): Promise<void> {
    const seen = v.safeParse(Seen, this.ctx.storage.kv.get(SEEN_KEY));
    // The injected clock may run behind the alarm's wall clock: keep the record until the JWT is dead.
    if (seen.success && nowSeconds() < seen.output.until) {
      await this.ctx.storage.setAlarm(seen.output.until * 1000);
      return;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}

/** Marks `jti` of `clientId` used; false when it was used before. */
export function useAssertion(env: Env, clientId: string, jti: string, until: number): Promise<boolean> {
  return objects.assertionReplay(env, clientId, jti).use(until);
}

/**
 * Marks the DPoP proof `jti` made with key `jkt` at `iat` used; false when it was used before (RFC 9449 §11.1).
 * Proofs are accepted while `iat` is within `window` seconds of now, so the proofs of a bucket of `window` seconds of
 * iat are all dead `window` seconds after the bucket ends: its object is kept until then. A replay has the same iat,
 * so it reaches the same object.
 */
export function useDpopProof(env: Env, jkt: string, jti: string, iat: number, window: number): Promise<boolean> {
  const bucket = Math.floor(iat / window);
  return objects.dpopReplay(env, jkt, bucket).useAmong(jti, (bucket + 2) * window);
}

/** Marks the `jti` of a request object (RFC 9101) of `clientId` used; false when it was used before. */
export function useRequestObject(env: Env, clientId: string, jti: string, until: number): Promise<boolean> {
  return objects.requestObjectReplay(env, clientId, jti).use(until);
}
