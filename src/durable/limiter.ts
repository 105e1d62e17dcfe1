// Limiter: a Durable Object per throttled key (a username), counting failed password attempts in a sliding
// window, so that guessing is throttled however many edge locations or parallel requests it is spread over.
// An attempt is counted as a failure *before* the password is checked (one atomic step), and taken back when
// it succeeds: N simultaneous guesses cannot all pass a "fewer than max failures?" check.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { doKeys } from "../storage";

const ATTEMPTS_KEY = doKeys.limiter.attempts;
const Attempts = v.array(v.object({ id: v.string(), at: v.number() }));

export type AttemptResult = { allowed: true; attemptId: string } | { allowed: false; retryAfter: number };

export class Limiter extends DurableObject<Env> {
  /** RFC 6749 §4.3.2 / RFC 9700 §2.4: refuse when the window is full; otherwise count this attempt. */
  async attempt(): Promise<AttemptResult> {
    const attempts = this.recentAttempts();
    const { maxFailures, windowSeconds } = config.loginThrottle;
    const oldest = attempts[0];
    if (attempts.length >= maxFailures && oldest !== undefined) {
      return { allowed: false, retryAfter: Math.max(1, oldest.at + windowSeconds - nowSeconds()) };
    }
    const attemptId = crypto.randomUUID();
    this.ctx.storage.kv.put(ATTEMPTS_KEY, [...attempts, { id: attemptId, at: nowSeconds() }]);
    void this.ctx.storage.setAlarm((nowSeconds() + windowSeconds) * 1000);
    return { allowed: true, attemptId };
  }

  /** A successful login clears the failures (including the attempt itself). */
  async succeeded(): Promise<void> {
    this.ctx.storage.kv.delete(ATTEMPTS_KEY);
  }

  override async alarm(): Promise<void> {
    if (this.recentAttempts().length === 0) await this.ctx.storage.deleteAll();
  }

  private recentAttempts() {
    const parsed = v.safeParse(Attempts, this.ctx.storage.kv.get(ATTEMPTS_KEY));
    const since = nowSeconds() - config.loginThrottle.windowSeconds;
    return parsed.success ? parsed.output.filter((a) => a.at > since) : [];
  }
}
