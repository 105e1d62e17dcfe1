// One remote JSON document (provider metadata, a JWK Set), parsed once and cached in isolate memory for as
// long as its Cache-Control allows, and in the Workers Cache API across isolates. Refreshes are single-flight:
// however many requests find it stale at once, one fetch goes out and they all wait for it.
import { freshness } from "./cache-control";
import { getJson } from "./http";
import type { ResolvedOptions } from "./options";
import { openCache, readShared, writeShared } from "./shared-cache";

export interface Loaded<T> {
  value: T;
  freshUntil: number;
}

export type Source = "any" | "network";

export class CachedDocument<T> {
  current: Loaded<T> | undefined;
  loading: Promise<Loaded<T>> | undefined;
  /** When this isolate last fetched the document from the network (not from a cache). */
  lastNetworkFetch = Number.NEGATIVE_INFINITY;

  constructor(
    readonly url: string,
    private readonly parse: (body: unknown) => T,
  ) {}

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
    this.loading ??= this.load(opts, source).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(opts: ResolvedOptions, source: Source): Promise<Loaded<T>> {
    try {
      this.current = await this.fetchFresh(opts, source);
    } catch (err) {
      // Stale-if-error: keep verifying with what we had, and try again after the cool-down.
      if (!this.current) throw err;
      console.warn("edge-oidc/resource: refresh failed, keeping the cached copy", this.url, String(err));
      this.current = { value: this.current.value, freshUntil: opts.now() + opts.cooldown };
    }
    return this.current;
  }

  private async fetchFresh(opts: ResolvedOptions, source: Source): Promise<Loaded<T>> {
    const cache = await openCache(opts.cache);
    if (cache && source === "any") {
      const shared = await readShared(cache, this.url, opts.now());
      if (shared) return { value: this.parse(shared.body), freshUntil: shared.freshUntil };
    }
    const now = opts.now();
    this.lastNetworkFetch = now;
    // The Cache API copy (if any) is stale or suspect: ask the origin, not an HTTP cache in between.
    // Workers honour `cache: "no-store"` (compatibility date 2024-11-11 and later); the bundled types lag behind.
    const init: RequestInit & { cache?: "no-store" } = source === "network" ? { cache: "no-store" } : {};
    const { body, response } = await getJson(this.url, opts, init);
    const value = this.parse(body);
    const fresh = freshness(response.headers);
    if (cache && fresh.shareable) await writeShared(cache, this.url, body, now, fresh.seconds);
    // A document that forbids caching is still kept for the refetch cool-down, so that a burst of requests
    // cannot turn into a burst of fetches.
    return { value, freshUntil: now + Math.max(fresh.seconds, opts.cooldown) };
  }
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
    for (const doc of documents.values()) doc.current = undefined;
    documents.clear();
  }
}
