// Limiter: a Durable Object per throttled key (a username), counting failed password attempts in a sliding
// window, so that guessing is throttled however many edge locations it is spread over.
import { DurableObject } from "cloudflare:workers";
import * as v from "valibot";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";

const FAILURES_KEY = "failures";
const Failures = v.array(v.number());

export class Limiter extends DurableObject<Env> {
  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  async retryAfter(): Promise<number> {
    const failures = this.recentFailures();
    const { maxFailures, windowSeconds } = config.loginThrottle;
    const oldest = failures[0];
    if (failures.length < maxFailures || oldest === undefined) return 0;
    return Math.max(1, oldest + windowSeconds - nowSeconds());
  }

  async recordFailure(): Promise<void> {
    const failures = [...this.recentFailures(), nowSeconds()].slice(-config.loginThrottle.maxFailures);
    this.ctx.storage.kv.put(FAILURES_KEY, failures);
    void this.ctx.storage.setAlarm((nowSeconds() + config.loginThrottle.windowSeconds) * 1000);
  }

  async reset(): Promise<void> {
    this.ctx.storage.kv.delete(FAILURES_KEY);
  }

  override async alarm(): Promise<void> {
    if (this.recentFailures().length === 0) await this.ctx.storage.deleteAll();
  }

  private recentFailures(): number[] {
    const parsed = v.safeParse(Failures, this.ctx.storage.kv.get(FAILURES_KEY));
    const since = nowSeconds() - config.loginThrottle.windowSeconds;
    return parsed.success ? parsed.output.filter((t) => t > since) : [];
  }
}
