// The weather API: /current and /today for a ZIP code, open only to access tokens with the `weather` scope.
import { Hono, type Context } from "hono";
import { durableReplayStore, requireAccessToken } from "edge-oidc/resource";
import type { WeatherEnv } from "./env";
import { current, findPlace, today, type Place } from "./forecasts";

export const app = new Hono<WeatherEnv>();

// Options built per request from the bindings: the verifier caches what they decide per isolate, by value.
app.use(
  requireAccessToken<WeatherEnv>(({ env }) => ({
    issuer: env.ISSUER,
    audience: env.AUDIENCE,
    scopes: ["weather"],
    realm: "weather",
    fetcher: env.PROVIDER,
    introspection:
      env.INTROSPECTION_CLIENT_ID && env.INTROSPECTION_CLIENT_SECRET
        ? { clientId: env.INTROSPECTION_CLIENT_ID, clientSecret: env.INTROSPECTION_CLIENT_SECRET }
        : undefined,
    // Bearer and DPoP-bound tokens both (RFC 9449 §7); each proof is accepted once across the whole edge.
    dpop: { mode: "allowed", replay: env.DPOP_REPLAY && durableReplayStore(env.DPOP_REPLAY) },
  })),
);

app.get("/current", (c) => answer(c, current));
app.get("/today", (c) => answer(c, today));

app.notFound((c) => c.json({ error: "not_found", error_description: "no such endpoint" }, 404));

function answer(c: Context<WeatherEnv>, view: (place: Place) => object): Response {
  c.header("Cache-Control", "no-store");
  const zips = c.req.queries("zipcode") ?? [];
  if (zips.length !== 1) {
    return c.json({ error: "invalid_request", error_description: "exactly one zipcode parameter is required" }, 400);
  }
  const [zip = ""] = zips;
  if (!/^\d{5}$/.test(zip)) {
    return c.json({ error: "invalid_request", error_description: "zipcode must be five digits" }, 400);
  }
  const place = findPlace(zip);
  if (!place) return c.json({ error: "not_found", error_description: `no weather data for ${zip}` }, 404);
  return c.json(view(place));
}
