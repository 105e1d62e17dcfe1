// Validated options, cached per isolate by their values. An API may pass a new options object on every request
// (built in the handler from c.env) or one object made at module scope: each distinct set of values is validated
// once per isolate, then found by issuer and a comparison of the values (~0.2 µs in workerd, against ~1.3 µs to
// validate); the object used last is found by identity alone. The key sets, metadata and introspection answers
// behind it are keyed by issuer, URL and token, never by options object, so they are shared too.
import {
  replayStore,
  validateOptions,
  type DpopOptions,
  type IntrospectionOptions,
  type ResolvedOptions,
  type Settings,
  type VerifyAccessTokenOptions,
} from "./options";

/** What the options hold by reference: never compared, never shared between options objects (and dpop.replay). */
type ByReference = "fetcher" | "cache" | "now";

/** An option value as kept for comparison: the options only take strings, numbers and arrays of them. */
type Value = string | number | undefined | Value[];

interface Entry {
  /** The values validation read, arrays copied (a caller may reuse and change its own). */
  values: Value[];
  settings: Settings;
  /** The last resolution: reused while the binding, Cache and clock are the same (they usually come from c.env). */
  resolved: ResolvedOptions;
}

/** Bounds for an API whose options vary (an audience per tenant, say): past them the oldest are validated again. */
const MAX_ISSUERS = 20;
const MAX_PER_ISSUER = 20;
const byIssuer = new Map<string, Entry[]>();

const systemNow = () => Math.floor(Date.now() / 1000);

/** The options object used last (one made at module scope, typically) and its resolution. */
let lastOptions: VerifyAccessTokenOptions | undefined;
let lastResolved: ResolvedOptions | undefined;

/**
 * The options, validated and completed; throws a TypeError for a misconfiguration, on every use. Pass a new
 * object to change options: a change made in place to the object used last goes unseen.
 */
export function resolveOptions(options: VerifyAccessTokenOptions): ResolvedOptions {
  if (options === lastOptions && lastResolved) return lastResolved;
  lastResolved = resolveByValue(options);
  lastOptions = options;
  return lastResolved;
}

function resolveByValue(options: VerifyAccessTokenOptions): ResolvedOptions {
  const values = valuesOf(options);
  const entry = byIssuer.get(options.issuer)?.find((known) => same(values, known.values));
  if (!entry) return resolveNew(options, values);
  const { resolved } = entry;
  if (
    resolved.fetcher === options.fetcher &&
    resolved.cache === options.cache &&
    resolved.now === (options.now ?? systemNow) &&
    resolved.replay === replayStore(options)
  ) {
    return resolved;
  }
  entry.resolved = withReferences(entry.settings, options);
  return entry.resolved;
}

/**
 * The binding, Cache, clock and replay store are each options object's own: equal values elsewhere must not
 * lend theirs.
 */
function withReferences(settings: Settings, options: VerifyAccessTokenOptions): ResolvedOptions {
  return {
    ...settings,
    fetcher: options.fetcher,
    cache: options.cache,
    now: options.now ?? systemNow,
    replay: replayStore(options),
  };
}

/** Validates values not seen before and keeps them, unless they hold a type the options never take. */
function resolveNew(options: VerifyAccessTokenOptions, values: readonly unknown[]): ResolvedOptions {
  // Validation first: invalid values throw here, on every use, and are never kept.
  const settings = validateOptions(options);
  const resolved = withReferences(settings, options);
  const kept = copy(values);
  if (Array.isArray(kept)) keep(settings.issuer, { values: kept, settings, resolved });
  return resolved;
}

function keep(issuer: string, entry: Entry): void {
  const entries = byIssuer.get(issuer) ?? [];
  if (entries.length >= MAX_PER_ISSUER) entries.shift();
  if (entries.length === 0) makeRoomForIssuer();
  entries.push(entry);
  byIssuer.set(issuer, entries);
}

function makeRoomForIssuer(): void {
  if (byIssuer.size < MAX_ISSUERS) return;
  const oldest = byIssuer.keys().next();
  if (!oldest.done) byIssuer.delete(oldest.value);
}

/** Every value validation reads; the `satisfies` clauses fail to compile when an option is added but not listed. */
function valuesOf(o: VerifyAccessTokenOptions): unknown[] {
  const intro = o.introspection;
  const introValues =
    intro &&
    ({
      clientId: intro.clientId,
      clientSecret: intro.clientSecret,
      endpoint: intro.endpoint,
      cacheSeconds: intro.cacheSeconds,
      negativeCacheSeconds: intro.negativeCacheSeconds,
    } satisfies Record<keyof IntrospectionOptions, unknown>);
  const dpop = o.dpop;
  const dpopValues =
    dpop &&
    ({
      mode: dpop.mode,
      algorithms: dpop.algorithms,
      windowSeconds: dpop.windowSeconds,
      nonce: dpop.nonce && [dpop.nonce.secret, dpop.nonce.lifetimeSeconds],
    } satisfies Record<Exclude<keyof DpopOptions, "replay">, unknown>);
  const values = {
    issuer: o.issuer,
    audience: o.audience,
    scopes: o.scopes,
    algorithms: o.algorithms,
    clockToleranceSeconds: o.clockToleranceSeconds,
    jwksUri: o.jwksUri,
    introspection: introValues && Object.values(introValues),
    jwksRefetchCooldownSeconds: o.jwksRefetchCooldownSeconds,
    maxStaleSeconds: o.maxStaleSeconds,
    timeoutMs: o.timeoutMs,
    dpop: dpopValues && Object.values(dpopValues),
  } satisfies Record<Exclude<keyof VerifyAccessTokenOptions, ByReference>, unknown>;
  return Object.values(values);
}

/** Object.is, element by element into arrays: NaN matches only NaN, never undefined; "a b" never ["a", "b"]. */
function same(value: unknown, kept: Value): boolean {
  if (!Array.isArray(value) || !Array.isArray(kept)) return Object.is(value, kept);
  const items: readonly unknown[] = value;
  return items.length === kept.length && kept.every((item, i) => same(items[i], item));
}

/** A copy made of strings, numbers and arrays, or null when the value holds anything else. */
function copy(value: unknown): Value | null {
  if (typeof value === "string" || typeof value === "number" || value === undefined) return value;
  if (!Array.isArray(value)) return null;
  const items: readonly unknown[] = value;
  const copied: Value[] = [];
  for (const item of items) {
    const kept = copy(item);
    if (kept === null) return null;
    copied.push(kept);
  }
  return copied;
}
