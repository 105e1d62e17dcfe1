// The verifier's options, their documented defaults and bounds, resolved once per options object.

/** Anything with a Workers-style fetch: a service binding (Fetcher), or a test double. */
export interface FetcherLike {
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

/** Asymmetric JWS algorithms only: a shared-secret (HS*) or `none` algorithm can never be allowed. */
export type AccessTokenAlgorithm =
  | "RS256" | "RS384" | "RS512"
  | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512"
  | "EdDSA" | "Ed25519";

const ASYMMETRIC: ReadonlySet<string> = new Set<AccessTokenAlgorithm>([
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
]);

export interface IntrospectionOptions {
  /** This API's client id at the authorization server (it authenticates with client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** Defaults to `introspection_endpoint` from the issuer's metadata (RFC 8414 §2). */
  endpoint?: string;
  /** How long an active answer is reused, in seconds (never past the token's exp). Default 30. */
  cacheSeconds?: number;
  /** How long an inactive answer is reused, in seconds. Default 10. */
  negativeCacheSeconds?: number;
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
  /** After an unknown `kid` caused a JWKS refetch, the next one waits at least this long, in seconds. Default 30. */
  jwksRefetchCooldownSeconds?: number;
  /** The Workers Cache API cache to share metadata and JWKS across isolates; `false` for isolate memory only. */
  cache?: Cache | false;
  /** Timeout for each request to the authorization server, in milliseconds. Default 5000. */
  timeoutMs?: number;
  /** The clock in seconds since the epoch (tests move it). Default: Date.now(). */
  now?: () => number;
}

export interface ResolvedOptions {
  issuer: string;
  /** Names where this issuer's keys come from (issuer and JWKS URL), for the isolate-wide key cache. */
  keysId: string;
  issuerOrigin: string;
  audience: string;
  scopes: readonly string[];
  algorithms: AccessTokenAlgorithm[];
  clockTolerance: number;
  fetcher: FetcherLike | undefined;
  jwksUri: string | undefined;
  introspection: Required<Omit<IntrospectionOptions, "endpoint">> & { endpoint: string | undefined } | undefined;
  cooldown: number;
  cache: Cache | false | undefined;
  timeoutMs: number;
  now: () => number;
}

export const defaults = {
  algorithms: ["RS256", "PS256", "ES256", "EdDSA"] as AccessTokenAlgorithm[],
  clockToleranceSeconds: 30,
  maxClockToleranceSeconds: 300,
  jwksRefetchCooldownSeconds: 30,
  introspectionCacheSeconds: 30,
  introspectionNegativeCacheSeconds: 10,
  timeoutMs: 5000,
} as const;

const systemNow = () => Math.floor(Date.now() / 1000);
const resolved = new WeakMap<VerifyAccessTokenOptions, ResolvedOptions>();

/** Validates and completes the options; the same options object is resolved only once. */
export function resolveOptions(options: VerifyAccessTokenOptions): ResolvedOptions {
  let result = resolved.get(options);
  if (!result) {
    result = resolve(options);
    resolved.set(options, result);
  }
  return result;
}

function resolve(options: VerifyAccessTokenOptions): ResolvedOptions {
  const { issuer, audience } = options;
  if (typeof issuer !== "string" || !URL.canParse(issuer)) throw new TypeError("issuer must be a URL");
  if (typeof audience !== "string" || audience.length === 0) throw new TypeError("audience is required");
  const algorithms = [...(options.algorithms ?? defaults.algorithms)];
  // RFC 9068 §4: "The resource server MUST reject any JWT in which the value of "alg" is "none""; a symmetric
  // algorithm would let anyone holding the public JWKS forge tokens, so only asymmetric ones are allowed.
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) throw new TypeError(`algorithm ${String(alg)} is not an asymmetric JWS algorithm`);
  }
  if (algorithms.length === 0) throw new TypeError("algorithms must not be empty");
  const clockTolerance = options.clockToleranceSeconds ?? defaults.clockToleranceSeconds;
  if (!(clockTolerance >= 0 && clockTolerance <= defaults.maxClockToleranceSeconds)) {
    throw new TypeError(`clockToleranceSeconds must be between 0 and ${defaults.maxClockToleranceSeconds}`);
  }
  for (const scope of options.scopes ?? []) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) throw new TypeError(`invalid scope ${JSON.stringify(scope)}`);
  }
  const intro = options.introspection;
  return {
    issuer,
    keysId: `${issuer} ${options.jwksUri ?? ""}`,
    issuerOrigin: new URL(issuer).origin,
    audience,
    scopes: [...(options.scopes ?? [])],
    algorithms,
    clockTolerance,
    fetcher: options.fetcher,
    jwksUri: options.jwksUri,
    introspection: intro && {
      clientId: intro.clientId,
      clientSecret: intro.clientSecret,
      endpoint: intro.endpoint,
      cacheSeconds: intro.cacheSeconds ?? defaults.introspectionCacheSeconds,
      negativeCacheSeconds: intro.negativeCacheSeconds ?? defaults.introspectionNegativeCacheSeconds,
    },
    cooldown: options.jwksRefetchCooldownSeconds ?? defaults.jwksRefetchCooldownSeconds,
    cache: options.cache,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    now: options.now ?? systemNow,
  };
}
