// The Workers Cache API layer: documents fetched by one isolate are reused by the others in the same
// location until their Cache-Control freshness runs out. Entries carry the time they were fetched, read
// by the verifier's own clock, so an entry is never used past its freshness even if the cache keeps it.
// Entries are untrusted input (another version of this code may have written them): their keys carry a
// format version, and an entry that cannot be read is deleted.

const CACHE_NAME = "edge-oidc-resource";
/** The entry format. Bump it when the stored headers or body change meaning: older entries are then never read. */
const FORMAT_VERSION = "v1";
const FETCHED_AT = "x-edge-oidc-fetched-at";
const FRESH_FOR = "x-edge-oidc-fresh-for";
const MUST_REVALIDATE = "x-edge-oidc-must-revalidate";

interface SharedEntry {
  body: unknown;
  freshUntil: number;
  /** When the document was fetched from the origin, by the verifier's clock. */
  fetchedAt: number;
  mustRevalidate: boolean;
}

interface SharedFreshness {
  seconds: number;
  mustRevalidate: boolean;
}

let defaultCache: Promise<Cache | undefined> | undefined;

/** Our own named cache (not caches.default, so nothing else's entries can answer for ours). */
export function openCache(configured: Cache | false | undefined): Promise<Cache | undefined> | Cache | undefined {
  if (configured === false) return undefined;
  if (configured) return configured;
  // Outside Workers (Node, a browser) there is no Cache API: isolate memory only.
  if (typeof caches === "undefined" || typeof caches.open !== "function") return undefined;
  defaultCache ??= caches.open(CACHE_NAME).catch(() => undefined);
  return defaultCache;
}

/**
 * The cache key of a document's entry: its URL with the format version as a query parameter. (Not a
 * `#fragment`: the Cache API matches requests with the fragment excluded, so it would not tell versions apart.)
 */
export function sharedKey(url: string): string {
  const key = new URL(url);
  key.searchParams.set("edge-oidc-cache", FORMAT_VERSION);
  return key.toString();
}

export async function readShared(cache: Cache, url: string, now: number): Promise<SharedEntry | undefined> {
  let response: Response | undefined;
  try {
    response = await cache.match(sharedKey(url));
  } catch {
    return undefined;
  }
  if (!response) return undefined;
  const fetchedAt = Number(response.headers.get(FETCHED_AT));
  const freshFor = Number(response.headers.get(FRESH_FOR));
  const mustRevalidate = response.headers.get(MUST_REVALIDATE) === "1";
  if (!Number.isFinite(fetchedAt) || !Number.isFinite(freshFor) || now >= fetchedAt + freshFor) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    return { body: await response.json(), freshUntil: fetchedAt + freshFor, fetchedAt, mustRevalidate };
  } catch {
    await deleteShared(cache, url);
    return undefined;
  }
}

export async function writeShared(
  cache: Cache,
  url: string,
  body: unknown,
  now: number,
  fresh: SharedFreshness,
): Promise<void> {
  const response = new Response(JSON.stringify(body), {
    headers: {
      "content-type": "application/json",
      "cache-control": `public, max-age=${fresh.seconds}`,
      [FETCHED_AT]: String(now),
      [FRESH_FOR]: String(fresh.seconds),
      [MUST_REVALIDATE]: fresh.mustRevalidate ? "1" : "0",
    },
  });
  try {
    await cache.put(sharedKey(url), response);
  } catch {
    // A full or unavailable cache only costs a later refetch.
  }
}

/** Drops a document's entry (one that could not be read or parsed). */
export async function deleteShared(cache: Cache, url: string): Promise<void> {
  try {
    await cache.delete(sharedKey(url));
  } catch {
    // The entry expires by itself; until then each isolate that reads it goes to the network.
  }
}
