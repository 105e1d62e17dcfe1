// A short-lived isolate-memory cache of introspection answers, keyed by a SHA-256 of the token (the token
// itself is never kept), with single-flight lookups: concurrent requests bearing the same token share one
// introspection call. Bounded in size; the oldest entries go first.

/** What the cache needs to know about an answer: whether it is active, and until when. */
interface AnswerLifetime {
  active: boolean;
  exp?: number | undefined;
}

interface CacheKey {
  endpoint: string;
  clientId: string;
  token: string;
  now: number;
}

interface CacheLifetimes {
  positive: number;
  negative: number;
}

const MAX_ENTRIES = 10_000;

export class AnswerCache<A extends AnswerLifetime> {
  private readonly entries = new Map<string, { answer: A; until: number }>();
  private readonly pending = new Map<string, Promise<A>>();

  /** The cached answer for a token, or the one `ask` gets (once, however many callers ask at the same time). */
  async get(key: CacheKey, lifetimes: CacheLifetimes, ask: () => Promise<A>): Promise<A> {
    const id = `${key.endpoint} ${key.clientId} ${await sha256(key.token)}`;
    const hit = this.entries.get(id);
    if (hit && key.now < hit.until) return hit.answer;
    if (hit) this.entries.delete(id);
    let flight = this.pending.get(id);
    if (!flight) {
      flight = ask()
        .then((answer) => {
          this.remember(id, answer, key.now, lifetimes);
          return answer;
        })
        .finally(() => this.pending.delete(id));
      this.pending.set(id, flight);
    }
    return flight;
  }

  private remember(id: string, answer: A, now: number, lifetimes: CacheLifetimes): void {
    // An active answer is never reused past the token's own expiry.
    const until = answer.active
      ? Math.min(now + lifetimes.positive, answer.exp ?? Number.POSITIVE_INFINITY)
      : now + lifetimes.negative;
    if (until <= now) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { answer, until });
  }
}

async function sha256(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
