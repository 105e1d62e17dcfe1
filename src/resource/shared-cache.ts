// The Workers Cache API layer: documents fetched by one isolate are reused by the others in the same
// location until their Cache-Control freshness runs out. Entries carry the time they were fetched, read
// by the verifier's own clock, so an entry is never used past its freshness even if the cache keeps it.

const CACHE_NAME = "edge-oidc-resource";
const FETCHED_AT = "x-edge-oidc-fetched-at";
const FRESH_FOR = "x-edge-oidc-fresh-for";

export interface SharedEntry {
  body: unknown;
  freshUntil: number;
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

export async function readShared(cache: Cache, url: string, now: number): Promise<SharedEntry | undefined> {
  let response: Response | undefined;
  try {
    response = await cache.match(url);
  } catch {
    return undefined;
  }
  if (!response) return undefined;
  const fetchedAt = Number(response.headers.get(FETCHED_AT));
  const freshFor = Number(response.headers.get(FRESH_FOR));
  if (!Number.isFinite(fetchedAt) || !Number.isFinite(freshFor) || now >= fetchedAt + freshFor) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    return { body: await response.json(), freshUntil: fetchedAt + freshFor };
  } catch {
    return undefined;
  }
}

export async function writeShared(cache: Cache, url: string, body: unknown, now: number, freshFor: number): Promise<void> {
  const response = new Response(JSON.stringify(body), {
    headers: {
      "content-type": "application/json",
      "cache-control": `public, max-age=${freshFor}`,
      [FETCHED_AT]: String(now),
      [FRESH_FOR]: String(freshFor),
    },
  });
  try {
    await cache.put(url, response);
  } catch {
    // A full or unavailable cache only costs a later refetch.
  }
}
