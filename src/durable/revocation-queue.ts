// Shared by the owner objects (a user's Account, a client's ClientState): reading their versioned records,
// pruning what has expired, and revoking many grants at once. Grant objects are told in batches; whichever
// could not be reached is retried by the owner's alarm, so a revocation is never lost to a transient failure
// nor stopped by the number of grants.
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { objects } from "../storage";

/**
 * Grants are stamped by the Grant object's host and revocations by the owner's: allow for their clocks to differ
 * (NTP-synchronised hosts differ by milliseconds), yet not refuse a sign-in made right after the revocation.
 */
export const CLOCK_SKEW_MS = 50;

/** Seconds between retries of grants that could not be revoked. */
const RETRY_SECONDS = 30;

/** A grant an owner knows about: until it expires, or until its revocation has reached it. */
export const GrantRef = v.object({
  v: v.literal(1),
  clientId: v.string(),
  /** The browser session the grant came from (absent for grants without one). */
  sid: v.optional(v.string()),
  /** Carries offline_access: it outlives a sign-out of its session (Back-Channel Logout 1.0 §2.7). */
  offline: v.optional(v.boolean()),
  exp: v.number(),
});
export type GrantRef = v.InferOutput<typeof GrantRef>;

/** What a Grant object tells its owners about itself (src/durable/grant.ts, its alarm). */
export interface GrantRegistration {
  grantId: string;
  clientId: string;
  /** The user's local sub. */
  sub: string;
  sid: string | undefined;
  offline: boolean;
  /** When the grant was created, in milliseconds: a revocation at or after this instant covers it. */
  createdAtMs: number;
  /** When the user authorized the grant (its code was sealed), in ms; absent for grants without a code. */
  authorizedAtMs?: number | undefined;
  /** The salt of the password hash a password grant was checked against (src/durable/account.ts). */
  credential?: string | undefined;
  exp: number;
}

/** A stored record parsed through its schema, or null when absent or invalid (logged, never cast). */
export function readRecord<S extends v.GenericSchema>(
  storage: DurableObjectStorage,
  key: string,
  schema: S,
): v.InferOutput<S> | null {
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

/** Pruning what has expired can wait: expiry is checked on every read, so the alarm runs at most hourly for it. */
export function pruneAlarm(storage: DurableObjectStorage, expSeconds: number): Promise<void> {
  return alarmNoLaterThan(storage, Math.ceil(expSeconds / PRUNE_INTERVAL_SECONDS) * PRUNE_INTERVAL_SECONDS * 1000);
}

const PRUNE_INTERVAL_SECONDS = 3600;
/** Grant objects told per invocation; the rest follow from the alarm, so a huge owner never hits a limit. */
const REVOKE_BATCH = 100;
const Generation = v.object({ v: v.literal(1), n: v.number() });

/**
 * The grants an owner knows, by generation: `<prefix><generation>:<grant-id>`. Revoking everything starts a
 * new generation (one write, however many grants), and the grants of older generations are then told in
 * batches, oldest keys first; a grant registering afterwards lands in the new generation.
 */
export class GrantRegistry {
  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
    private readonly names: { prefix: string; generation: string },
  ) {}

  async add(grantId: string, ref: GrantRef): Promise<void> {
    this.storage.kv.put(this.key(this.generation(), grantId), ref);
    await pruneAlarm(this.storage, ref.exp);
  }

  /** The grants of the current generation (those not being revoked already). */
  current(): { grantId: string; ref: GrantRef }[] {
    const found: { grantId: string; ref: GrantRef }[] = [];
    for (const [key, value] of this.storage.kv.list({ prefix: this.key(this.generation(), "") })) {
      const parsed = v.safeParse(GrantRef, value);
      if (parsed.success) found.push({ grantId: key.slice(key.lastIndexOf(":") + 1), ref: parsed.output });
    }
    return found;
  }

  /** Forgets one grant of the current generation (it is revoked by other means). */
  forget(grantId: string): void {
    this.storage.kv.delete(this.key(this.generation(), grantId));
  }

  /** Revokes every grant known so far; returns how many. */
  async revokeAll(): Promise<number> {
    const next = this.generation() + 1;
    this.storage.kv.put(this.names.generation, { v: 1, n: next });
    let count = 0;
    for (const _ of this.storage.kv.list({ prefix: this.names.prefix, end: this.key(next, "") })) count++;
    await this.revokeBatch();
    return count;
  }

  /** Tells one batch of older-generation grants; those reached are forgotten, the rest retried soon. */
  async revokeBatch(): Promise<void> {
    await tellRevoked(this.env, this.storage, { prefix: this.names.prefix, end: this.key(this.generation(), "") });
  }

  private generation(): number {
    return readRecord(this.storage, this.names.generation, Generation)?.n ?? 0;
  }

  private key(generation: number, grantId: string): string {
    return `${this.names.prefix}${String(generation).padStart(10, "0")}:${grantId}`;
  }
}

/**
 * Tells one batch of Grant objects, named by the last `:`-separated part of their keys in `range`, that they are
 * revoked: the keys of those reached are deleted, the rest retried soon (at once when the batch was full).
 */
export async function tellRevoked(
  env: Env,
  storage: DurableObjectStorage,
  range: { prefix: string; end?: string },
): Promise<void> {
  const pending = [...storage.kv.list({ ...range, limit: REVOKE_BATCH })].map(([key]) => key);
  const results = await Promise.allSettled(
    pending.map(async (key) => {
      const id = objects.grantIdFromHex(env, key.slice(key.lastIndexOf(":") + 1));
      if (id) await objects.grant(env, id).revokeAll();
    }),
  );
  pending.forEach((key, i) => {
    if (results[i]?.status === "fulfilled") storage.kv.delete(key);
  });
  const full = pending.length === REVOKE_BATCH;
  if (full || results.some((r) => r.status === "rejected"))
    await alarmNoLaterThan(storage, (nowSeconds() + (full ? 1 : RETRY_SECONDS)) * 1000);
}

/**
 * The owners' alarm: deletes every record whose `exp` has passed, and goes on revoking older-generation grants.
 * Records without `exp` (meta, consents, the generation) are kept.
 */
export async function ownerAlarm(storage: DurableObjectStorage, registry: GrantRegistry): Promise<void> {
  const now = nowSeconds();
  let next = Number.POSITIVE_INFINITY;
  for (const [key, value] of storage.kv.list()) {
    const exp = expiryOf(value);
    if (exp === undefined) continue;
    if (exp <= now) storage.kv.delete(key);
    else next = Math.min(next, exp);
  }
  if (Number.isFinite(next)) await pruneAlarm(storage, next);
  await registry.revokeBatch();
}

function expiryOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null || !("exp" in value)) return undefined;
  return typeof value.exp === "number" ? value.exp : undefined;
}
