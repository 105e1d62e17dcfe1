// Shared by the owner objects (a user's Account, a client's ClientState): reading their versioned records,
// pruning what has expired, and revoking many grants at once. Each Grant object is told at once; whichever
// could not be reached stays marked `revoking` and is retried by the owner's alarm, so a revocation is never
// lost to a transient failure.
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { objects } from "../storage";

/** Seconds between retries of grants that could not be revoked. */
const RETRY_SECONDS = 30;

/** A grant an owner knows about: until it expires, or until its revocation has reached it. */
export const GrantRef = v.object({
  v: v.literal(1),
  clientId: v.string(),
  /** The browser session the grant came from (absent for grants without one). */
  sid: v.optional(v.string()),
  exp: v.number(),
  /** Revocation decided but the Grant object not yet reached: the alarm retries. */
  revoking: v.optional(v.boolean()),
});
export type GrantRef = v.InferOutput<typeof GrantRef>;

/** What a Grant object tells its owners about itself (src/durable/grant.ts, its alarm). */
export interface GrantRegistration {
  grantId: string;
  clientId: string;
  sid: string | undefined;
  /** When the grant was created, in milliseconds: a revocation at or after this instant covers it. */
  createdAtMs: number;
  exp: number;
}

/** A stored record parsed through its schema, or null when absent or invalid (logged, never cast). */
export function readRecord<S extends v.GenericSchema>(storage: DurableObjectStorage, key: string, schema: S): v.InferOutput<S> | null {
  const raw = storage.kv.get(key);
  if (raw === undefined) return null;
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success) console.error("stored record failed validation", key.split(":")[0]);
  return parsed.success ? parsed.output : null;
}

/** Sets the object's alarm to `at` (epoch ms) unless one is already due earlier. */
export async function alarmNoLaterThan(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}

/** Every grant reference under `prefix`, by grant id. */
export function* grantRefs(storage: DurableObjectStorage, prefix: string): Generator<[string, GrantRef]> {
  for (const [key, value] of storage.kv.list({ prefix })) {
    const parsed = v.safeParse(GrantRef, value);
    if (parsed.success) yield [key.slice(prefix.length), parsed.output];
  }
}

/** Marks every grant under `prefix` for revocation and tells each Grant object; returns how many. */
export async function revokeAllGrants(env: Env, storage: DurableObjectStorage, prefix: string): Promise<number> {
  const refs = [...grantRefs(storage, prefix)];
  for (const [id, ref] of refs) storage.kv.put(prefix + id, { ...ref, revoking: true });
  await revokeMarked(env, storage, prefix);
  return refs.length;
}

/** Tells the Grant objects marked `revoking`; those reached are forgotten, the rest retried by the alarm. */
async function revokeMarked(env: Env, storage: DurableObjectStorage, prefix: string): Promise<void> {
  const pending = [...grantRefs(storage, prefix)].filter(([, ref]) => ref.revoking).map(([id]) => id);
  const results = await Promise.allSettled(
    pending.map(async (hex) => {
      const id = objects.grantIdFromHex(env, hex);
      if (id) await objects.grant(env, id).revokeAll();
    }),
  );
  let failed = 0;
  pending.forEach((id, i) => {
    if (results[i]?.status === "fulfilled") storage.kv.delete(prefix + id);
    else failed++;
  });
  if (failed > 0) await alarmNoLaterThan(storage, (nowSeconds() + RETRY_SECONDS) * 1000);
}

/**
 * The owners' alarm: deletes every record whose `exp` has passed, retries pending revocations, and sets the
 * next alarm at the earliest remaining expiry. Records without `exp` (meta, consents) are kept.
 */
export async function ownerAlarm(env: Env, storage: DurableObjectStorage, grantPrefix: string): Promise<void> {
  const now = nowSeconds();
  let next = Number.POSITIVE_INFINITY;
  for (const [key, value] of storage.kv.list()) {
    const exp = expiryOf(value);
    if (exp === undefined) continue;
    if (exp <= now) storage.kv.delete(key);
    else next = Math.min(next, exp);
  }
  if (Number.isFinite(next)) await storage.setAlarm(next * 1000);
  await revokeMarked(env, storage, grantPrefix);
}

function expiryOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null || !("exp" in value)) return undefined;
  return typeof value.exp === "number" ? value.exp : undefined;
}
