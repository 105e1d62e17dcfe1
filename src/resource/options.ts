// The verifier's options, their documented defaults and bounds. Validation reads only the option values, so its
// result is shared by every options object with the same values (options-cache.ts); a binding, a Cache and a clock
// are taken by reference from each object.
import { MAX_FRESHNESS_SECONDS } from "./cache-control";
import type { DpopAlgorithm } from "./dpop-proof";
import { isolateReplayStore, type DpopReplayStore } from "./replay";

/** Anything with a Workers-style fetch: a service binding (Fetcher), or a test double. */
export interface FetcherLike {
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

/** Asymmetric JWS algorithms only: a shared-secret (HS*) or `none` algorithm can never be allowed. */
export type AccessTokenAlgorithm =
  "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA" | "Ed25519";

const ASYMMETRIC: ReadonlySet<string> = new Set<AccessTokenAlgorithm>([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);

export interface IntrospectionOptions {
  /** This API's client id at the authorization server (it authenticates with client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** Defaults to `introspection_endpoint` from the issuer's metadata (RFC 8414 §2). */
  endpoint?: string;
  /** How long an active answer is reused, in seconds (never past the token's exp). Default 30, at most 300. */
  cacheSeconds?: number;
  /** How long an inactive answer is reused, in seconds. Default 10, at most 300. */
  negativeCacheSeconds?: number;
}

/**
 * Which schemes the API takes (RFC 9449 §7): "allowed" takes bearer tokens (RFC 6750) and DPoP-bound tokens with
 * their proofs; "required" takes DPoP-bound tokens only; "off" takes bearer tokens only. A DPoP-bound token is
 * never accepted as a bearer token, in any mode (§7.2).
 */
export type DpopMode = "allowed" | "required" | "off";

export interface DpopNonceOptions {
  /**
   * At least 32 characters. Nonces are derived from it (HMAC-SHA256 of the time), so every isolate with the same
   * secret gives out and accepts the same nonces, with no shared state.
   */
  secret: string;
  /** How long a nonce is given out, in seconds; the previous one is still accepted. Default 300, 30 to 3600. */
  lifetimeSeconds?: number;
}

export interface DpopOptions {
  /** Default "allowed". */
  mode?: DpopMode;
  /** Algorithms accepted for proofs, advertised in the DPoP challenge's `algs`. Default ES256, ES384, EdDSA, Ed25519, RS256, PS256. */
  algorithms?: readonly DpopAlgorithm[];
  /** How far a proof's iat may be from now, either way, in seconds (§4.3 item 11). Default 60, 1 to 300. */
  windowSeconds?: number;
  /**
   * Where accepted proofs are remembered (§11.1). Default: this isolate's memory, which misses a proof replayed
   * to another isolate; `durableReplayStore(env.DPOP_REPLAY)` catches replays across the whole edge.
   */
  replay?: DpopReplayStore;
  /**
   * Require a nonce from this API in every proof (§9): a proof without a current one is answered 401
   * `use_dpop_nonce` with a `DPoP-Nonce` header. Off by default.
   */
  nonce?: DpopNonceOptions;
}

export interface VerifyAccessTokenOptions {
  /** The issuer identifier, exactly as the authorization server publishes it (no trailing slash added or removed). */
  issuer: string;
  /** This API's identifier: the token's `aud` must contain it (RFC 9068 §4). */
  audience: string;
  /** Scopes the token must all carry; otherwise 403 insufficient_scope (RFC 6750 §3.1). */
  scopes?: readonly string[];
  /** Accepted JWS algorithms. Default: RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly AccessTokenAlgorithm[];
  /** Leeway for exp and nbf, in seconds. Default 30, at most 300 (RFC 9068 §4: "no more than a few minutes"). */
  clockToleranceSeconds?: number;
  /**
   * A service binding to the authorization server's Worker. Requests to the issuer's origin (discovery, JWKS,
   * introspection) go through it instead of the public internet; other origins still use fetch().
   */
  fetcher?: FetcherLike;
  /** Skip discovery and fetch the JWKS from here. */
  jwksUri?: string;
  /** Credentials for introspecting opaque tokens (RFC 7662). Without them only JWT access tokens are accepted. */
  introspection?: IntrospectionOptions;
  /**
   * After an unknown `kid` caused a JWKS refetch, the next one waits at least this long, in seconds; also how long
   * a failed fetch is not retried. Default 30, at least 1, at most 86400.
   */
  jwksRefetchCooldownSeconds?: number;
  /**
   * When refreshing the metadata or JWKS fails, the last copy is still used for up to this long after it was
   * fetched, in seconds (never for a `must-revalidate` response); after it, 503. Default 3600, at most 86400.
   */
  maxStaleSeconds?: number;
  /** The Workers Cache API cache to share metadata and JWKS across isolates; `false` for isolate memory only. */
  cache?: Cache | false;
  /** Timeout for each request to the authorization server, in milliseconds. Default 5000, 1 to 30000. */
  timeoutMs?: number;
  /** The clock in seconds since the epoch (tests move it). Default: Date.now(). */
  now?: () => number;
  /** DPoP-bound access tokens (RFC 9449): accepted by verifyRequest and requireAccessToken. */
  dpop?: DpopOptions;
}

/** What the option values decide, validated and completed: the same for equal values. */
export interface Settings {
  issuer: string;
  /** Names where this issuer's keys come from (issuer and JWKS URL), for the isolate-wide key cache. */
  keysId: string;
  issuerOrigin: string;
  audience: string;
  scopes: readonly string[];
  algorithms: AccessTokenAlgorithm[];
  clockTolerance: number;
  jwksUri: string | undefined;
  introspection: (Required<Omit<IntrospectionOptions, "endpoint">> & { endpoint: string | undefined }) | undefined;
  cooldown: number;
  maxStale: number;
  timeoutMs: number;
  dpop: DpopSettings;
}

export interface DpopSettings {
  mode: DpopMode;
  algorithms: readonly DpopAlgorithm[];
  windowSeconds: number;
  nonce: Required<DpopNonceOptions> | undefined;
}

/** The settings plus what the options object holds by reference. */
export interface ResolvedOptions extends Settings {
  fetcher: FetcherLike | undefined;
  cache: Cache | false | undefined;
  now: () => number;
  replay: DpopReplayStore;
}

const defaults = {
  algorithms: ["RS256", "PS256", "ES256", "EdDSA"] as AccessTokenAlgorithm[],
  clockToleranceSeconds: 30,
  maxClockToleranceSeconds: 300,
  jwksRefetchCooldownSeconds: 30,
  maxStaleSeconds: 3600,
  introspectionCacheSeconds: 30,
  introspectionNegativeCacheSeconds: 10,
  maxIntrospectionCacheSeconds: 300,
  timeoutMs: 5000,
  maxTimeoutMs: 30_000,
  /** The longest cool-down and stale period: as long as any document is ever kept fresh. */
  maxSeconds: MAX_FRESHNESS_SECONDS,
  dpopAlgorithms: ["ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256"] as DpopAlgorithm[],
  dpopWindowSeconds: 60,
  maxDpopWindowSeconds: 300,
  nonceLifetimeSeconds: 300,
  minNonceLifetimeSeconds: 30,
  maxNonceLifetimeSeconds: 3600,
  minNonceSecretLength: 32,
} as const;

/** The proof algorithms verifyDpopProof can check: asymmetric only (RFC 9449 §4.3 item 5). */
const DPOP_ALGORITHMS: ReadonlySet<string> = new Set<DpopAlgorithm>([
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
  "RS256",
  "PS256",
]);

const DPOP_MODES: ReadonlySet<string> = new Set<DpopMode>(["allowed", "required", "off"]);

/** The replay store an options object names, or the isolate's own. */
export function replayStore(options: VerifyAccessTokenOptions): DpopReplayStore {
  return options.dpop?.replay ?? isolateReplayStore;
}

/** RFC 8252 §8.3 loopback hosts: the only ones an issuer or endpoint may be reached at over plain http. */
const LOOPBACK: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Validates and completes the option values; a misconfiguration is a TypeError, never a quiet default. */
export function validateOptions(options: VerifyAccessTokenOptions): Settings {
  const { issuer, audience } = options;
  const issuerOrigin = issuerUrl(issuer).origin;
  if (typeof audience !== "string" || audience.length === 0) throw new TypeError("audience is required");
  const algorithms = [...(options.algorithms ?? defaults.algorithms)];
  // RFC 9068 §4: "The resource server MUST reject any JWT in which the value of "alg" is "none""; a symmetric
  // algorithm would let anyone holding the public JWKS forge tokens, so only asymmetric ones are allowed.
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) throw new TypeError(`algorithm ${alg} is not an asymmetric JWS algorithm`);
  }
  if (algorithms.length === 0) throw new TypeError("algorithms must not be empty");
  for (const scope of options.scopes ?? []) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) throw new TypeError(`invalid scope ${JSON.stringify(scope)}`);
  }
  if (options.jwksUri !== undefined) endpointUrl("jwksUri", options.jwksUri);
  return {
    issuer,
    keysId: `${issuer} ${options.jwksUri ?? ""}`,
    issuerOrigin,
    audience,
    scopes: [...(options.scopes ?? [])],
    algorithms,
    // RFC 9068 §4 (6): leeway of "no more than a few minutes".
    clockTolerance: bounded(
      "clockToleranceSeconds",
      options.clockToleranceSeconds ?? defaults.clockToleranceSeconds,
      0,
      defaults.maxClockToleranceSeconds,
    ),
    jwksUri: options.jwksUri,
    introspection: options.introspection && resolveIntrospection(options.introspection),
    cooldown: bounded(
      "jwksRefetchCooldownSeconds",
      options.jwksRefetchCooldownSeconds ?? defaults.jwksRefetchCooldownSeconds,
      1,
      defaults.maxSeconds,
    ),
    maxStale: bounded("maxStaleSeconds", options.maxStaleSeconds ?? defaults.maxStaleSeconds, 0, defaults.maxSeconds),
    timeoutMs: bounded("timeoutMs", options.timeoutMs ?? defaults.timeoutMs, 1, defaults.maxTimeoutMs),
    dpop: resolveDpop(options.dpop ?? {}),
  };
}

export function resolveDpop(dpop: DpopOptions): DpopSettings {
  const mode = dpop.mode ?? "allowed";
  if (!DPOP_MODES.has(mode)) throw new TypeError(`dpop.mode must be "allowed", "required" or "off"`);
  const algorithms = [...(dpop.algorithms ?? defaults.dpopAlgorithms)];
  for (const alg of algorithms) {
    if (!DPOP_ALGORITHMS.has(alg)) throw new TypeError(`DPoP proof algorithm ${alg} is not supported`);
  }
  if (algorithms.length === 0) throw new TypeError("dpop.algorithms must not be empty");
  const windowSeconds = bounded(
    "dpop.windowSeconds",
    dpop.windowSeconds ?? defaults.dpopWindowSeconds,
    1,
    defaults.maxDpopWindowSeconds,
  );
  return { mode, algorithms, windowSeconds, nonce: dpop.nonce && resolveNonce(dpop.nonce) };
}

function resolveNonce(nonce: DpopNonceOptions): Required<DpopNonceOptions> {
  const { secret } = nonce;
  if (typeof secret !== "string" || secret.length < defaults.minNonceSecretLength) {
    throw new TypeError(`dpop.nonce.secret must be a string of at least ${defaults.minNonceSecretLength} characters`);
  }
  const lifetimeSeconds = bounded(
    "dpop.nonce.lifetimeSeconds",
    nonce.lifetimeSeconds ?? defaults.nonceLifetimeSeconds,
    defaults.minNonceLifetimeSeconds,
    defaults.maxNonceLifetimeSeconds,
  );
  return { secret, lifetimeSeconds };
}

function resolveIntrospection(intro: IntrospectionOptions): NonNullable<Settings["introspection"]> {
  // RFC 7662 §2.1: the request carries this API's client secret; it goes only where https protects it.
  if (intro.endpoint !== undefined) endpointUrl("introspection.endpoint", intro.endpoint);
  const max = defaults.maxIntrospectionCacheSeconds;
  return {
    clientId: intro.clientId,
    clientSecret: intro.clientSecret,
    endpoint: intro.endpoint,
    cacheSeconds: bounded(
      "introspection.cacheSeconds",
      intro.cacheSeconds ?? defaults.introspectionCacheSeconds,
      0,
      max,
    ),
    negativeCacheSeconds: bounded(
      "introspection.negativeCacheSeconds",
      intro.negativeCacheSeconds ?? defaults.introspectionNegativeCacheSeconds,
      0,
      max,
    ),
  };
}

/**
 * RFC 8414 §2: the issuer identifier "is a URL that uses the "https" scheme and has no query or fragment
 * components" (plain http only on a loopback host, for local development).
 */
function issuerUrl(issuer: unknown): URL {
  if (typeof issuer !== "string" || !URL.canParse(issuer)) throw new TypeError("issuer must be a URL");
  // The raw string, not URL.search/hash: those are empty for a bare "?" or "#".
  if (/[?#]/.test(issuer)) throw new TypeError("issuer must not have a query or fragment (RFC 8414 §2)");
  return secureUrl("issuer", issuer);
}

/** A configured endpoint: a URL, https unless on a loopback host. */
function endpointUrl(name: string, value: unknown): URL {
  if (typeof value !== "string" || !URL.canParse(value)) throw new TypeError(`${name} must be a URL`);
  return secureUrl(name, value);
}

function secureUrl(name: string, value: string): URL {
  const url = new URL(value);
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (!secure) throw new TypeError(`${name} must use https (http only for localhost, 127.0.0.1 or [::1])`);
  return url;
}

/** A numeric option within its documented bounds (NaN and non-numbers fail too). */
function bounded(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    throw new TypeError(`${name} must be a number between ${min} and ${max}`);
  }
  return value;
}
