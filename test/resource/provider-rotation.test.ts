// After the provider rotates its signing keys, an API using the verifier accepts tokens signed with the new key
// without a restart. The provider's clock (src/clock.ts) is moved, never slept, and the verifier reads the same.
import { exports } from "cloudflare:workers";
import { decodeProtectedHeader } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { config } from "../../src/config";
import { verifyAccessToken, type VerifyAccessTokenOptions } from "../../src/resource";
import { ISSUER, clientCredentials } from "../helpers";

afterEach(() => setClockOffset(0));

const weather: VerifyAccessTokenOptions = {
  issuer: ISSUER,
  audience: "urn:edge-oidc:api:weather",
  scopes: ["weather"],
  fetcher: exports.default,
  now: nowSeconds,
};

async function serviceToken(): Promise<string> {
  const res = await clientCredentials("demo-service", "demo-service-secret", "weather");
  expect(res.status).toBe(200);
  return (await res.json<{ access_token: string }>()).access_token;
}

describe("verifier and provider key rotation", () => {
  it("accepts tokens signed by the rotated-in key, with no restart and no kid-miss refetch needed", async () => {
    const before = await serviceToken();
    await verifyAccessToken(before, weather);

    const rotated = await exports.default.fetch(`${ISSUER}/admin/keys/rotate`, {
      method: "POST",
      headers: { authorization: "Bearer dev-admin-token" },
    });
    expect(rotated.status).toBe(200);
    // The new key is published now but signs only after its activation delay (docs/keys-and-rotation.md):
    // until then tokens keep the old kid, and the verifier keeps verifying from its cache.
    expect(decodeProtectedHeader(await serviceToken()).kid).toBe(decodeProtectedHeader(before).kid);

    setClockOffset(config.keys.activationDelaySeconds + 60);
    const after = await serviceToken();
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    await expect(verifyAccessToken(after, weather)).resolves.toMatchObject({ client_id: "demo-service" });
  });
});
