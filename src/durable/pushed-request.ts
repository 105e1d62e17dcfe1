// PushedRequest: one Durable Object per pushed authorization request (RFC 9126), holding the validated request from
// the push until its one use at /authorize or its expiry. take() reads and deletes in one synchronous step
// (SQLite-backed sync KV, no await in between), so among any number of racing uses of one request_uri exactly one
// gets the request (RFC 9126 §4: "single-use"). An alarm deletes a request nobody used.
//
// The object id alone does not open it: the request_uri also carries a random secret, compared here, so an id
// that leaked or was guessed finds nothing (RFC 9126 §7.1). A wrong secret, or another client's use (RFC 9126 §4:
// the request_uri is bound to the client that pushed it), leaves the request in place.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys } from "../storage";

const REQUEST_KEY = doKeys.pushedRequest.request;

/**
 * Version 1. `request` is the validated authorization request as JSON: its schema belongs to the authorization
 * layer (src/authorization/pushed.ts parses it); the envelope is parsed here.
 */
export const PushedRecord = v.object({
  v: v.literal(1),
  /** The random part of the request_uri that must be presented with the object id. */
  secret: v.string(),
  /** The client that pushed it (RFC 9126 §4: the client_id at /authorize must be this one). */
  client_id: v.string(),
  /** Epoch seconds after which the request_uri is refused. */
  expires_at: v.number(),
  request: v.string(),
});
export type PushedRecord = v.InferOutput<typeof PushedRecord>;

export class PushedRequest extends DurableObject<Env> {
  /** Stores the request (one write) and schedules its deletion. */
  async push(record: PushedRecord): Promise<void> {
    this.ctx.storage.kv.put(REQUEST_KEY, record);
    await this.ctx.storage.setAlarm(record.expires_at * 1000);
  }

  /**
   * The request, deleted in the same step, when `secret` is its secret and `clientId` the client that pushed it;
   * null otherwise, or when there is none (never pushed, used, expired and deleted). A wrong secret or client leaves
   * it in place. Expiry is the caller's to check against the record.
   */
  async take(secret: string, clientId: string): Promise<PushedRecord | null> {
    const parsed = v.safeParse(PushedRecord, this.ctx.storage.kv.get(REQUEST_KEY));
    if (!parsed.success || !sameSecret(parsed.output.secret, secret) || parsed.output.client_id !== clientId) {
      return null;
    }
    this.ctx.storage.kv.delete(REQUEST_KEY);
    void this.ctx.storage.deleteAlarm();
    return parsed.output;
  }

  override async alarm(): Promise<void> {
    const parsed = v.safeParse(PushedRecord, this.ctx.storage.kv.get(REQUEST_KEY));
    // The injected clock may run behind the alarm's wall clock: keep the record until it has expired.
    if (parsed.success && nowSeconds() < parsed.output.expires_at) {
      await this.ctx.storage.setAlarm(parsed.output.expires_at * 1000);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}

/** Constant time for equal lengths (every secret we issue has the same length); synchronous, unlike
 * timingSafeEqualStrings, so that nothing can run between take()'s read and its delete. */
function sameSecret(stored: string, presented: string): boolean {
  const encoder = new TextEncoder();
  const a = encoder.encode(stored);
  const b = encoder.encode(presented);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
