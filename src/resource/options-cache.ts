// Validated options, cached per isolate by their values. An API may pass a new options object on every request
// (built in the handler from c.env) or one object made at module scope: either way each distinct set of values
// is validated once per isolate, and the key sets, metadata and introspection answers behind it are shared
// (they are keyed by issuer, URL and token, never by options object). An object seen before is found by
// identity without reading its values; a new one costs one string key of its values.
import {
  validateOptions,
  type IntrospectionOptions,
  type ResolvedOptions,
  type Settings,
  type VerifyAccessTokenOptions,
} from "./options";

/** Distinct configurations kept per isolate; past it (an audience per tenant, say) the oldest is validated again. */
const MAX_SETTINGS = 100;
const byValue = new Map<string, Settings>();
const byObject = new WeakMap<VerifyAccessTokenOptions, ResolvedOptions>();

const systemNow = () => Math.floor(Date.now() / 1000);

/** The options, validated and completed; throws a TypeError for a misconfiguration, on every use. */
export function resolveOptions(options: VerifyAccessTokenOptions): ResolvedOptions {
  return byObject.get(options) ?? resolveNew(options);
}

function resolveNew(options: VerifyAccessTokenOptions): ResolvedOptions {
  // The binding, Cache and clock are the object's own: equal values elsewhere must not lend theirs.
  const resolved = { ...settingsFor(options), fetcher: options.fetcher, cache: options.cache, now: options.now ?? systemNow };
  byObject.set(options, resolved);
  return resolved;
}

function settingsFor(options: VerifyAccessTokenOptions): Settings {
  const key = valueKey(options);
  const known = key === undefined ? undefined : byValue.get(key);
  if (known) return known;
  // Only valid settings are kept: invalid ones throw here again on their next use.
  const settings = validateOptions(options);
  if (key !== undefined) remember(key, settings);
  return settings;
}

function remember(key: string, settings: Settings): void {
  if (byValue.size >= MAX_SETTINGS) {
    const oldest = byValue.keys().next();
    if (!oldest.done) byValue.delete(oldest.value);
  }
  byValue.set(key, settings);
}

type Keyed<T, ByReference extends keyof T = never> = Record<Exclude<keyof T, ByReference>, unknown>;

/**
 * One string per distinct set of option values, or undefined when a value is of a type the options never take
 * (a JavaScript caller's object where a string belongs): such options are validated on every use instead. The
 * `satisfies` clauses fail to compile when an option is added without being keyed here.
 */
function valueKey(o: VerifyAccessTokenOptions): string | undefined {
  const intro = o.introspection;
  const introValues = intro && ({
    clientId: intro.clientId,
    clientSecret: intro.clientSecret,
    endpoint: intro.endpoint,
    cacheSeconds: intro.cacheSeconds,
    negativeCacheSeconds: intro.negativeCacheSeconds,
  } satisfies Keyed<IntrospectionOptions>);
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
  } satisfies Keyed<VerifyAccessTokenOptions, "fetcher" | "cache" | "now">;
  return encode(Object.values(values));
}

/**
 * A self-delimiting encoding: strings are length-prefixed, every value is tagged with its type, so no two
 * different values meet (NaN and undefined, "a b" and ["a", "b"], a secret containing a separator).
 */
function encode(value: unknown): string | undefined {
  if (typeof value === "string") return `s${value.length}:${value}`;
  if (typeof value === "number") return `n${String(value)};`;
  if (value === undefined) return "u;";
  if (!Array.isArray(value)) return undefined;
  let out = `a${value.length}:`;
  for (const item of value) {
    const part = encode(item);
    if (part === undefined) return undefined;
    out += part;
  }
  return out;
}
