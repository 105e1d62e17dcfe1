// How long a response may be reused, from its Cache-Control and Age headers (RFC 9111 §4.2.1, §5.2.2).

interface Freshness {
  /** Seconds the response stays fresh from now; 0 when it must not be reused. */
  seconds: number;
  /** Whether a shared cache (the Workers Cache API) may store it: not for `private`, `no-store`, `no-cache`. */
  shareable: boolean;
  /**
   * RFC 9111 §5.2.2.2 must-revalidate: "once the response has become stale, a cache MUST NOT reuse that
   * response to satisfy another request until it has been successfully validated by the origin", so it is
   * never served stale when a refresh fails.
   */
  mustRevalidate: boolean;
}

/** Nothing we fetch is worth keeping longer than a day, whatever the server says. */
export const MAX_FRESHNESS_SECONDS = 24 * 3600;

export function freshness(headers: Headers): Freshness {
  const directives = new Map<string, string | undefined>();
  for (const part of (headers.get("cache-control") ?? "").split(",")) {
    const [name, value] = part.trim().toLowerCase().split("=", 2);
    if (name) directives.set(name, value?.replace(/^"|"$/g, ""));
  }
  // RFC 9111 §5.2.2.5 no-store, §5.2.2.4 no-cache: not reusable without revalidation.
  const mustRevalidate = directives.has("must-revalidate");
  if (directives.has("no-store") || directives.has("no-cache")) return { seconds: 0, shareable: false, mustRevalidate };
  const maxAge = Number.parseInt(directives.get("max-age") ?? "", 10);
  if (!Number.isFinite(maxAge) || maxAge <= 0) return { seconds: 0, shareable: false, mustRevalidate };
  // RFC 9111 §4.2.3: the response's current age counts against its freshness lifetime.
  const age = Number.parseInt(headers.get("age") ?? "0", 10);
  const seconds = Math.min(MAX_FRESHNESS_SECONDS, Math.max(0, maxAge - (Number.isFinite(age) ? age : 0)));
  // RFC 9111 §5.2.2.7: a shared cache MUST NOT store a response with the private directive.
  return { seconds, shareable: seconds > 0 && !directives.has("private"), mustRevalidate };
}
