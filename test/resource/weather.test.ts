// The weather example Worker (examples/weather): its answers with a stand-in issuer, then with the real
// provider (`exports.default`) behind its service binding, as `npm start` wires them.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../examples/weather/src/app";
import type { WeatherBindings } from "../../examples/weather/src/env";
import { ISSUER, basic, tokenRequest } from "../helpers";
import { DpopClient } from "./dpop-client";
import { DPOP_ALGS, FakeIssuer, testClock, type IssuedKey } from "./fake-issuer";

const WEATHER = "urn:edge-oidc:api:weather";
/** The API takes DPoP-bound tokens too: its answers offer both challenges (RFC 9449 §7.2). */
const DPOP_CHALLENGE = `DPoP realm="weather", algs="${DPOP_ALGS}"`;

describe("weather API with a stand-in issuer", () => {
  let issuer: FakeIssuer;
  let key: IssuedKey;
  let env: WeatherBindings;
  let token: string;
  let clock: { now: number };

  beforeAll(async () => {
    clock = testClock();
    ({ issuer, key } = await FakeIssuer.create(clock));
    env = { ISSUER: issuer.issuer, AUDIENCE: WEATHER, PROVIDER: issuer };
    token = await issuer.token(key, { aud: WEATHER, scope: "weather" });
  });

  const get = (path: string, bearer?: string) =>
    app.request(path, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}, env);

  it("GET /current answers the seed's JSON for a known zipcode", async () => {
    const res = await get("/current?zipcode=90210", token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      zip: "90210",
      temperature: 72,
      humidity: 45,
      city: "Beverly Hills",
      state: "CA",
    });
  });

  it("GET /today answers the same fields plus the day's range", async () => {
    const res = await get("/today?zipcode=10001", token);
    expect(await res.json()).toEqual({
      zip: "10001",
      temperature: 61,
      humidity: 68,
      city: "New York",
      state: "NY",
      high: 61,
      low: 49,
      summary: "Light rain",
    });
  });

  it("an unknown zipcode is 404, a missing, repeated or malformed one 400 (JSON)", async () => {
    const unknown = await get("/current?zipcode=12345", token);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "not_found", error_description: "no weather data for 12345" });
    for (const query of [
      "",
      "?zipcode=",
      "?zipcode=9021",
      "?zipcode=90210-1234",
      "?zipcode=abcde",
      "?zipcode=90210&zipcode=10001",
    ]) {
      const res = await get(`/today${query}`, token);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
  });

  it("no token: 401 with the bare challenge; a token lacking weather: 403; another API's token: 401", async () => {
    const none = await get("/current?zipcode=90210");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(`Bearer realm="weather", ${DPOP_CHALLENGE}`);
    const readOnly = await get("/current?zipcode=90210", await issuer.token(key, { aud: WEATHER, scope: "profile" }));
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get("www-authenticate")).toBe(
      `Bearer realm="weather", error="insufficient_scope", error_description="the access token lacks the weather scope", scope="weather", ${DPOP_CHALLENGE}`,
    );
    const other = await get("/current?zipcode=90210", await issuer.token(key, { scope: "weather" }));
    expect(other.status).toBe(401);
  });

  it("a DPoP-bound token with its proof gets the weather; the same proof again is a replay (RFC 9449 §7.1, §11.1)", async () => {
    const client = await DpopClient.create(clock);
    const bound = await issuer.token(key, { aud: WEATHER, scope: "weather", cnf: { jkt: client.jkt } });
    const proof = await client.proof("GET", "http://localhost/current", bound);
    const send = () =>
      app.request("/current?zipcode=90210", { headers: { authorization: `DPoP ${bound}`, dpop: proof } }, env);
    const res = await send();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ zip: "90210" });
    const again = await send();
    expect(again.status).toBe(401);
    expect(again.headers.get("www-authenticate")).toContain('error="invalid_dpop_proof"');
    // A bound token is never a bearer token (§7.2).
    expect((await get("/current?zipcode=90210", bound)).status).toBe(401);
  });

  it("authentication comes before everything else, unknown paths included", async () => {
    expect((await get("/nowhere")).status).toBe(401);
    expect((await get("/current")).status).toBe(401);
    const res = await get("/nowhere", token);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });
});

describe("weather API with the provider behind its service binding", () => {
  const env: WeatherBindings = {
    ISSUER,
    AUDIENCE: WEATHER,
    PROVIDER: exports.default,
    INTROSPECTION_CLIENT_ID: "weather-api",
    INTROSPECTION_CLIENT_SECRET: "weather-api-secret",
  };

  async function serviceToken(client: string, scope: string): Promise<string> {
    const secret = client.startsWith("demo-service") ? "demo-service-secret" : "demo-secret";
    const body = await (
      await tokenRequest({ grant_type: "client_credentials", scope }, basic(client, secret))
    ).json<{ access_token: string }>();
    return body.access_token;
  }

  const get = async (path: string, bearer: string) =>
    app.request(path, { headers: { authorization: `Bearer ${bearer}` } }, env);

  it("demo-service's JWT and demo-service-ref's opaque token both get the weather", async () => {
    for (const client of ["demo-service", "demo-service-ref"]) {
      const res = await get("/current?zipcode=90210", await serviceToken(client, "weather"));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ zip: "90210", city: "Beverly Hills" });
    }
  });

  it("a token without the weather scope is not for the weather API: 401 invalid_token (RFC 9068 §4)", async () => {
    const res = await get("/current?zipcode=90210", await serviceToken("demo", "profile"));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="weather", error="invalid_token", error_description="the access token is not meant for this API", ${DPOP_CHALLENGE}`,
    );
  });
});
