// AssertionReplay: one Durable Object per single-use JWT, remembering that it has been used so a replay is refused
// at every edge location: client assertions (`<client_id>:<jti>`, RFC 7523 §3 item 7), DPoP proofs
// (`dpop#<jkt>:<jti>`, RFC 9449 §11.1) and request objects (`jar#<client_id>:<jti>`, RFC 9101); the names are in
// src/storage.ts.
// The check-and-mark is synchronous (SQLite-backed sync KV), so among any number of racing requests carrying
// the same JWT exactly one wins. An alarm deletes the object once the JWT can no longer be accepted: from then
// on its own time claims (exp, or a proof's iat) refuse it.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys, objects } from "../storage";

const SEEN_KEY = doKeys.assertionReplay.seen;
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

/** Marks the DPoP proof `jti` made with key `jkt` used; false when it was used before (RFC 9449 §11.1). */
export function useDpopProof(env: Env, jkt: string, jti: string, until: number): Promise<boolean> {
  return objects.dpopReplay(env, jkt, jti).use(until);
}

/** Marks the `jti` of a request object (RFC 9101) of `clientId` used; false when it was used before. */
export function useRequestObject(env: Env, clientId: string, jti: string, until: number): Promise<boolean> {
  return objects.requestObjectReplay(env, clientId, jti).use(until);
}
