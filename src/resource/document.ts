// One remote JSON document (provider metadata, a JWK Set), parsed once and cached in isolate memory for as
// long as its Cache-Control allows, and in the Workers Cache API across isolates. Refreshes are single-flight:
// however many requests find it stale at once, one fetch goes out and they all wait for it. When a refresh
// fails, the last copy is served stale for a bounded time (RFC 9111 §4.2.4, RFC 5861 stale-if-error); with
// nothing to serve, the failure itself is remembered for the cool-down, so an issuer that is down is not asked
// again by every request.
import { freshness } from "./cache-control";
import { getJson, type SendInit } from "./http";
import type { ResolvedOptions } from "./options";
import { deleteShared, openCache, readShared, writeShared } from "./shared-cache";

interface Loaded<T> {
  value: T;
  freshUntil: number;
  /** When the document was last fetched from the origin: it is served stale for at most maxStale from then. */
  fetchedAt: number;
  /** RFC 9111 §5.2.2.2: a must-revalidate document is never served stale. */
  mustRevalidate: boolean;
}

type Source = "any" | "network";

interface Failure {
  until: number;
  error: Error;
}

export class CachedDocument<T> {
  current: Loaded<T> | undefined;
  loading: Promise<Loaded<T>> | undefined;
  /** When this isolate last fetched the document from the network (not from a cache). */
  lastNetworkFetch = Number.NEGATIVE_INFINITY;
  /** A load that failed with nothing to fall back on: until `until`, callers get its error without a fetch. */
  private failure: Failure | undefined;

  constructor(
    readonly url: string,
    private readonly parse: (body: unknown) => T,
  ) {}

  /** Test hook (clearIsolateDocuments): as if this isolate had never loaded the document. */
  forget(): void {
    this.current = undefined;
    this.failure = undefined;
  }

  /** The parsed document if it is still fresh: the hot path, no I/O. */
  fresh(now: number): T | undefined {
    const current = this.current;
    return current && now < current.freshUntil ? current.value : undefined;
  }

  /** The fresh document, loading it (once, however many callers ask) if needed. */
  async get(opts: ResolvedOptions): Promise<T> {
    return this.fresh(opts.now()) ?? (await this.refresh(opts, "any")).value;
  }

  /** Starts a refresh unless one is running; "network" skips the Cache API (the cached copy is known stale). */
  refresh(opts: ResolvedOptions, source: Source): Promise<Loaded<T>> {
    if (!this.loading && this.failure && opts.now() < this.failure.until) return Promise.reject(this.failure.error);
    this.loading ??= this.load(opts, source).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(opts: ResolvedOptions, source: Source): Promise<Loaded<T>> {
    try {
      this.current = await this.fetchFresh(opts, source);
      this.failure = undefined;
      return this.current;
    } catch (err) {
      const now = opts.now();
      const stale = this.current;
      if (!stale || !servableStale(stale, now, opts.maxStale)) {
        // Nothing usable: answer 503 at once until the cool-down has passed, then try again.
        this.current = undefined;
        this.failure = { until: now + opts.cooldown, error: err instanceof Error ? err : new Error(String(err)) };
        throw err;
      }
      console.warn("edge-oidc/resource: refresh failed, keeping the cached copy", this.url, String(err));
      // Stale-if-error: keep verifying with what we had, and try again after the cool-down (never past maxStale).
      this.current = { ...stale, freshUntil: Math.min(now + opts.cooldown, stale.fetchedAt + opts.maxStale) };
      return this.current;
    }
  }

  private async fetchFresh(opts: ResolvedOptions, source: Source): Promise<Loaded<T>> {
    const cache = await openCache(opts.cache);
    if (cache && source === "any") {
      const shared = await this.fromShared(cache, opts.now());
      if (shared) return shared;
    }
    const now = opts.now();
    this.lastNetworkFetch = now;
    // The Cache API copy (if any) is stale or suspect: ask the origin, not an HTTP cache in between.
    const init: SendInit = source === "network" ? { cache: "no-store" } : {};
    const { body, response } = await getJson(this.url, opts, init);
    const value = this.parse(body);
    const fresh = freshness(response.headers);
    if (cache && fresh.shareable) await writeShared(cache, this.url, body, now, fresh);
    // A document that forbids caching is still kept for the refetch cool-down, so that a burst of requests
    // cannot turn into a burst of fetches.
    return {
      value,
      freshUntil: now + Math.max(fresh.seconds, opts.cooldown),
      fetchedAt: now,
      mustRevalidate: fresh.mustRevalidate,
    };
  }

  /** The Cache API's copy, if fresh and usable; an entry that does not parse is deleted (the network decides). */
  private async fromShared(cache: Cache, now: number): Promise<Loaded<T> | undefined> {
    const shared = await readShared(cache, this.url, now);
    if (!shared) return undefined;
    try {
      const { freshUntil, fetchedAt, mustRevalidate } = shared;
      return { value: this.parse(shared.body), freshUntil, fetchedAt, mustRevalidate };
    } catch (err) {
      console.warn("edge-oidc/resource: dropping an unusable Cache API entry", this.url, String(err));
      await deleteShared(cache, this.url);
      return undefined;
    }
  }
}

/** Whether a copy that could not be refreshed may still be used. */
function servableStale(stale: Loaded<unknown>, now: number, maxStale: number): boolean {
  return !stale.mustRevalidate && now < stale.fetchedAt + maxStale;
}

const registries = new Set<Map<string, CachedDocument<unknown>>>();

/** Isolate-wide documents of one kind, one per URL. */
export class DocumentRegistry<T> {
  private readonly documents = new Map<string, CachedDocument<T>>();

  constructor() {
    registries.add(this.documents);
  }

  /** The document at `url`, parsed by `parse`; `key` tells documents apart when one URL serves several. */
  get(url: string, parse: (body: unknown) => T, key = url): CachedDocument<T> {
    let doc = this.documents.get(key);
    if (!doc) {
      doc = new CachedDocument(url, parse);
      this.documents.set(key, doc);
    }
    return doc;
  }
}

/** Test hook: forget every document held in isolate memory (the Cache API keeps its copies). */
export function clearIsolateDocuments(): void {
  for (const documents of registries) {
    // Whoever still holds a document (a key resolver does) must not find it fresh either.
    for (const doc of documents.values()) doc.forget();
    documents.clear();
  }
}
