// A user's sign-in factors, kept in the user's Account object (strongly consistent, one place per user):
// passkeys (WebAuthn credential records, their signature counters and backup flags), the authenticator app (TOTP
// secret sealed at rest, the last time step accepted) and recovery codes (hashes only). Used WebAuthn challenges
// are recorded here until they expire, so a challenge works once: an assertion names its credential, and a
// credential belongs to one user, so the user's own object is the one place that must remember it.
// docs/sign-in.md, docs/storage-schema.md.
import * as v from "valibot";
import { nowMillis, nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { newRecoveryCodes, normalizeRecoveryCode, hashRecoveryCode } from "../lib/recovery-codes";
import { openSecret, sealSecret } from "../lib/secret-box";
import { matchTotp, newTotpSecret } from "../lib/totp";
import { doKeys } from "../storage";
import { readRecord } from "./revocation-queue";

const keys = doKeys.account;
const TOTP_PURPOSE = "totp";

const PasskeyRecord = v.object({
  v: v.literal(1),
  id: v.string(),
  /** base64url COSE public key. */
  publicKey: v.string(),
  /** WebAuthn L3 §6.1.1 signature counter: each use must increase it (when not always zero). */
  counter: v.number(),
  /** From the BE flag at registration (§6.1.3): it never changes for a credential. */
  deviceType: v.picklist(["singleDevice", "multiDevice"]),
  /** The BS flag as last seen. */
  backedUp: v.boolean(),
  transports: v.array(v.string()),
  name: v.string(),
  createdAt: v.number(),
  lastUsedAt: v.optional(v.number()),
});
export type PasskeyRecord = v.InferOutput<typeof PasskeyRecord>;

const TotpRecord = v.object({
  v: v.literal(1),
  /** The shared secret, sealed (src/lib/secret-box.ts). */
  secret: v.string(),
  /** RFC 6238 §5.2: the last time step accepted; no code of it or before is accepted again. */
  lastStep: v.optional(v.number()),
  enrolledAt: v.number(),
});

/** An app being set up, by the session that began it: only that session sees the key and confirms it. */
const PendingTotp = v.object({ v: v.literal(1), secret: v.string(), sid: v.string(), exp: v.number() });
const RecoveryCodes = v.object({ v: v.literal(1), hashes: v.array(v.string()), createdAt: v.number() });
/**
 * Wrong codes in the throttle's window, and the lock they led to: each lock in a row lasts twice the one before
 * (5, 10, 20 minutes... a day at most), so a patient guesser gets far fewer than 5 tries per 5 minutes.
 */
const Failures = v.object({
  v: v.literal(1),
  atMs: v.array(v.number()),
  locks: v.optional(v.number(), 0),
  lockedUntilMs: v.optional(v.number(), 0),
  exp: v.number(),
});
type Failures = v.InferOutput<typeof Failures>;
const MAX_LOCK_MS = 24 * 3600 * 1000;

/** What the pages may know of the user's factors (never a secret). */
export interface FactorSummary {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: { id: string; name: string; createdAt: number; lastUsedAt: number | undefined; synced: boolean }[];
}

export type CodeCheck = { ok: true } | { ok: false; reason: "wrong" | "replayed" | "throttled" | "none" };

export class Factors {
  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
  ) {}

  summary(): FactorSummary {
    return {
      totp: this.totp() !== null,
      recoveryCodesLeft: this.recovery()?.hashes.length ?? 0,
      passkeys: this.passkeys().map((p) => ({
        id: p.id,
        name: p.name,
        createdAt: p.createdAt,
        lastUsedAt: p.lastUsedAt,
        synced: p.deviceType === "multiDevice",
      })),
    };
  }

  /**
   * Whether a password alone is not enough for this user: the authenticator app is on (two-step verification).
   * A passkey is a way to sign in of its own, and a second factor whenever one is asked for (step-up); holding one
   * does not make the password need a second step, so losing the device never locks anyone out of a password.
   */
  requiresSecondFactor(): boolean {
    return this.totp() !== null;
  }

  /** Marks a WebAuthn challenge used; false when it already was (a replay). */
  spendChallenge(challenge: string, exp: number): boolean {
    const key = keys.challenge(challenge);
    if (this.storage.kv.get(key) !== undefined) return false;
    // Pruned by the owner's alarm once past exp (src/durable/revocation-queue.ts ownerAlarm).
    this.storage.kv.put(key, { v: 1, exp });
    return true;
  }

  // Passkeys ------------------------------------------------------------------------------------------------------

  passkey(id: string): PasskeyRecord | null {
    return readRecord(this.storage, keys.passkey(id), PasskeyRecord);
  }

  passkeys(): PasskeyRecord[] {
    const found: PasskeyRecord[] = [];
    for (const [, value] of this.storage.kv.list({ prefix: keys.passkeyPrefix })) {
      const parsed = v.safeParse(PasskeyRecord, value);
      if (parsed.success) found.push(parsed.output);
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  savePasskey(record: PasskeyRecord): void {
    this.storage.kv.put(keys.passkey(record.id), record);
  }

  /**
   * After a verified assertion: the new counter and backup state (WebAuthn §7.2 "update credentialRecord"), and the
   * time of use, at most daily. A synced passkey's counter stays 0, so most sign-ins write nothing more here.
   */
  recordPasskeyUse(passkey: PasskeyRecord, use: { counter: number; backedUp: boolean }): void {
    const now = nowSeconds();
    const stale = passkey.lastUsedAt === undefined || now - passkey.lastUsedAt >= 24 * 3600;
    if (use.counter === passkey.counter && use.backedUp === passkey.backedUp && !stale) return;
    this.savePasskey({
      ...passkey,
      counter: use.counter,
      backedUp: use.backedUp,
      lastUsedAt: stale ? now : passkey.lastUsedAt,
    });
  }

  removePasskey(id: string): boolean {
    return this.storage.kv.delete(keys.passkey(id));
  }

  // Authenticator app (RFC 6238) ------------------------------------------------------------------------------------

  /** A new secret to show once (QR code and base32); it counts only after confirmTotp() with a first code. */
  async beginTotp(sid: string): Promise<Uint8Array> {
    const secret = newTotpSecret();
    const exp = nowSeconds() + config.signIn.totpEnrolmentSeconds;
    const sealed = await sealSecret(this.env, TOTP_PURPOSE, secret);
    this.storage.kv.put(keys.totpPending, { v: 1, secret: sealed, sid, exp });
    return secret;
  }

  /** The pending secret, while enrolment is under way (the page shows it again after a wrong first code). */
  async pendingTotp(sid: string): Promise<Uint8Array | null> {
    const pending = this.pending(sid);
    return pending ? openSecret(this.env, TOTP_PURPOSE, pending.secret) : null;
  }

  /** Confirms enrolment with a first code from the app; the new recovery codes are answered once, when none exist. */
  async confirmTotp(sid: string, code: string): Promise<{ ok: true; recoveryCodes: string[] | null } | { ok: false }> {
    const pending = this.pending(sid);
    const secret = pending ? await openSecret(this.env, TOTP_PURPOSE, pending.secret) : null;
    if (!pending || !secret) return { ok: false };
    const match = await matchTotp(secret, code, nowSeconds(), undefined);
    if (!match.ok) return { ok: false };
    this.storage.kv.put(keys.totp, { v: 1, secret: pending.secret, lastStep: match.step, enrolledAt: nowSeconds() });
    this.storage.kv.delete(keys.totpPending);
    return { ok: true, recoveryCodes: this.recovery() ? null : await this.newRecoveryCodes() };
  }

  private pending(sid: string) {
    const pending = readRecord(this.storage, keys.totpPending, PendingTotp);
    return pending && pending.sid === sid && pending.exp > nowSeconds() ? pending : null;
  }

  removeTotp(): boolean {
    this.storage.kv.delete(keys.totpPending);
    return this.storage.kv.delete(keys.totp);
  }

  /** An authenticator-app code: once per time step (RFC 6238 §5.2), behind the per-user throttle. */
  async checkTotp(code: string): Promise<CodeCheck> {
    const record = this.totp();
    if (!record) return { ok: false, reason: "none" };
    if (this.throttled()) return { ok: false, reason: "throttled" };
    const secret = await openSecret(this.env, TOTP_PURPOSE, record.secret);
    if (!secret) throw new Error("the authenticator app secret cannot be opened (KEY_ENCRYPTION_SECRET changed?)");
    const match = await matchTotp(secret, code, nowSeconds(), record.lastStep);
    if (!match.ok) {
      // A replayed code is not a guess, but it is refused all the same, and counted: it was seen once already.
      this.fail();
      return { ok: false, reason: match.reason === "replayed" ? "replayed" : "wrong" };
    }
    this.storage.kv.put(keys.totp, { ...record, lastStep: match.step });
    this.succeeded();
    return { ok: true };
  }

  // Recovery codes --------------------------------------------------------------------------------------------------

  /** Ten new codes replace any old ones; only their hashes are kept, so they are shown this once. */
  async newRecoveryCodes(): Promise<string[]> {
    const codes = newRecoveryCodes();
    const hashes = await Promise.all(codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code) ?? code)));
    this.storage.kv.put(keys.recoveryCodes, { v: 1, hashes, createdAt: nowSeconds() });
    return codes;
  }

  /** A recovery code, used up by its one use. */
  async useRecoveryCode(code: string): Promise<CodeCheck> {
    const record = this.recovery();
    if (!record || record.hashes.length === 0) return { ok: false, reason: "none" };
    if (this.throttled()) return { ok: false, reason: "throttled" };
    const normalized = normalizeRecoveryCode(code);
    const hash = normalized === null ? null : await hashRecoveryCode(normalized);
    if (hash === null || !record.hashes.includes(hash)) {
      this.fail();
      return { ok: false, reason: "wrong" };
    }
    this.storage.kv.put(keys.recoveryCodes, { ...record, hashes: record.hashes.filter((h) => h !== hash) });
    this.succeeded();
    return { ok: true };
  }

  removeRecoveryCodes(): void {
    this.storage.kv.delete(keys.recoveryCodes);
  }

  /** Every factor goes (the user is deleted, or an administrator resets them); answers the passkeys' ids. */
  removeAll(options: { passkeys: boolean }): string[] {
    this.removeTotp();
    this.removeRecoveryCodes();
    this.storage.kv.delete(keys.factorFailures);
    if (!options.passkeys) return [];
    const ids = this.passkeys().map((p) => p.id);
    for (const id of ids) this.removePasskey(id);
    return ids;
  }

  // The per-user throttle of second-factor codes --------------------------------------------------------------------

  private throttled(): boolean {
    return this.failures().lockedUntilMs > nowMillis();
  }

  /** Counts a wrong code; the fifth in the window locks the user's second step (RFC 4226 §7.3 throttling). */
  private fail(): void {
    const { windowSeconds, maxFailures } = config.secondFactorThrottle;
    const now = nowMillis();
    const failures = this.failures();
    const atMs = [...failures.atMs.filter((at) => at > now - windowSeconds * 1000), now];
    let { locks, lockedUntilMs } = failures;
    if (atMs.length >= maxFailures) {
      lockedUntilMs = now + Math.min(windowSeconds * 1000 * 2 ** locks, MAX_LOCK_MS);
      locks += 1;
      atMs.length = 0;
    }
    // Remembered a day, so that locks in a row grow; a good code clears it.
    const exp = Math.ceil((Math.max(lockedUntilMs, now) + MAX_LOCK_MS) / 1000);
    this.storage.kv.put(keys.factorFailures, { v: 1, atMs, locks, lockedUntilMs, exp } satisfies Failures);
  }

  private succeeded(): void {
    this.storage.kv.delete(keys.factorFailures);
  }

  private failures(): Failures {
    return (
      readRecord(this.storage, keys.factorFailures, Failures) ?? { v: 1, atMs: [], locks: 0, lockedUntilMs: 0, exp: 0 }
    );
  }

  private totp() {
    return readRecord(this.storage, keys.totp, TotpRecord);
  }

  private recovery() {
    return readRecord(this.storage, keys.recoveryCodes, RecoveryCodes);
  }
}
