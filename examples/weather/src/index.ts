// The weather Worker's entry point.
import { app } from "./app";
import type { WeatherBindings } from "./env";

// The Durable Object that remembers DPoP proofs (wrangler.toml binds it as DPOP_REPLAY).
export { DpopReplayObject } from "edge-oidc/resource";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<WeatherBindings>;
