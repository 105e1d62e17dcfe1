// The weather Worker's bindings (wrangler.toml) and its Hono environment.
import type { AccessTokenVariables, FetcherLike } from "edge-oidc/resource";

export interface WeatherBindings {
  /** The provider's issuer identifier. */
  ISSUER: string;
  /** This API's identifier in the tokens' `aud`. */
  AUDIENCE: string;
  /** Service binding to the provider Worker (a Fetcher); without it the verifier uses the public issuer URL. */
  PROVIDER?: FetcherLike;
  /** This API's client at the provider, for introspecting opaque tokens; both or neither. */
  INTROSPECTION_CLIENT_ID?: string;
  INTROSPECTION_CLIENT_SECRET?: string;
  /**
   * The DpopReplayObject namespace: DPoP proofs are refused when replayed anywhere on the edge. Without it (the
   * unit tests), only replays to the same isolate are caught.
   */
  DPOP_REPLAY?: DurableObjectNamespace;
}

export interface WeatherEnv {
  Bindings: WeatherBindings;
  Variables: AccessTokenVariables;
}
