// Limiter: a Durable Object per throttled key of a password login (a source address, a username from a source, a
// username: src/users/login.ts), counting failed attempts in a sliding window, so that guessing is throttled however
// many edge locations or parallel requests it is spread over. An attempt is counted as a failure *before* the
// password is checked (one atomic step), and taken back when it succeeds: N simultaneous guesses cannot all pass a
// "fewer than max failures?" check.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { doKeys } from "../storage";

const ATTEMPTS_KEY = doKeys.limiter.attempts;
/** v2: each attempt carries the end of its own window (v1 records, without it, are read as empty). */
const Attempts = v.object({ v: v.literal(2), attempts: v.array(v.object({ id: v.string(), until: v.number() })) });

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
}

export type AttemptResult = { allowed: true; attemptId: string } | { allowed: false; retryAfter: number };

export class Limiter extends DurableObject<Env> {
  /** RFC 6749 §4.3.2 / RFC 9700 §2.4: refuse when the window is full; otherwise count this attempt. */
  async attempt(policy: ThrottlePolicy): Promise<AttemptResult> {
    const attempts = this.liveAttempts();
    const now = nowSeconds();
    if (attempts.length >= policy.maxFailures) {
      const freed = attempts.length - policy.maxFailures;
      const until = attempts.map((a) => a.until).sort((a, b) => a - b)[freed] ?? now + 1;
      return { allowed: false, retryAfter: Math.max(1, until - now) };
    }
    const attemptId = crypto.randomUUID();
    const until = now + policy.windowSeconds;
    this.ctx.storage.kv.put(ATTEMPTS_KEY, { v: 2, attempts: [...attempts, { id: attemptId, until }] });
    void this.ctx.storage.setAlarm(until * 1000);
    return { allowed: true, attemptId };
  }

  /** A successful login clears the failures (including the attempt itself). */
  async succeeded(): Promise<void> {
    this.ctx.storage.kv.delete(ATTEMPTS_KEY);
  }

  /** Takes back one attempt that turned out not to be a failure, leaving the others counted. */
  async withdraw(attemptId: string): Promise<void> {
    const attempts = this.liveAttempts().filter((a) => a.id !== attemptId);
    this.ctx.storage.kv.put(ATTEMPTS_KEY, { v: 2, attempts });
  }

  override async alarm(): Promise<void> {
    const attempts = this.liveAttempts();
    if (attempts.length === 0) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(...attempts.map((a) => a.until)) * 1000);
  }

  private liveAttempts() {
    const parsed = v.safeParse(Attempts, this.ctx.storage.kv.get(ATTEMPTS_KEY));
    const now = nowSeconds();
    return parsed.success ? parsed.output.attempts.filter((a) => a.until > now) : [];
  }
}
