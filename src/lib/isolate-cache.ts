// A short-lived, bounded cache in isolate memory for read-mostly KV records (clients, users): KV reads cost
// latency and money, and KV itself takes up to ~60 s to reach every location, so holding a record for at most
// config.isolateCacheSeconds adds no staleness of a different kind. Management paths read around it.
import { config } from "../config";

/** Entries beyond this are dropped oldest first (Map keeps insertion order), so memory stays bounded. */
const MAX_ENTRIES = 10_000;

export class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt > Date.now()) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + config.isolateCacheSeconds * 1000 });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
