// Client assertions as common libraries sign them (RFC 7523 §3 items 4-7): Python authlib signs
// client_secret_jwt and private_key_jwt assertions with iat = now and exp = iat + 3600. A recent iat makes a far
// exp acceptable (up to an hour); the jti is then remembered until that exp, so the assertion is still one-shot.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { nowSeconds, setClockOffset } from "../../src/clock";
import type { AssertionReplay } from "../../src/durable/assertion-replay";
import { objects } from "../../src/storage";
import { expectOAuthError } from "../helpers";
import { assertion, clientCredentialsWith, hmacKey, keyPair, privateKeyJwtClient, secretJwtClient } from "./assertions";

afterEach(() => setClockOffset(0));

/** The claims authlib's client_secret_jwt_sign / private_key_jwt_sign produce (no nbf, a 36-character jti). */
function authlibClaims(now = nowSeconds()) {
  return { iat: now, exp: now + 3600, jti: crypto.randomUUID().replaceAll("-", "").slice(0, 36) };
}

async function expectRefused(res: Response, description: string): Promise<void> {
  expect(res.headers.get("www-authenticate")).toBeTruthy();
  const body = await res.clone().json<{ error_description?: string }>();
  expect(body.error_description).toBe(description);
  await expectOAuthError(res, 401, "invalid_client");
}

describe("assertion lifetime: a recent iat with an exp up to an hour ahead", () => {
  it("accepts an authlib-like client_secret_jwt assertion (iat now, exp + 3600)", async () => {
    const { client, secret } = await secretJwtClient();
    const jwt = await assertion(client.client_id, hmacKey(secret), authlibClaims());
    expect((await clientCredentialsWith(jwt)).status).toBe(200);
  });

  it("accepts an authlib-like private_key_jwt assertion, also with iat a little in the future (clock skew)", async () => {
    const key = await keyPair("RS256");
    const client = await privateKeyJwtClient([key]);
    expect((await clientCredentialsWith(await assertion(client.client_id, key, authlibClaims()))).status).toBe(200);
    const skewed = authlibClaims(nowSeconds() + 10);
    expect((await clientCredentialsWith(await assertion(client.client_id, key, skewed))).status).toBe(200);
  });

  it("remembers the jti until exp: a replay is refused minutes later, and the record lives for the hour", async () => {
    const { client, secret } = await secretJwtClient();
    const claims = authlibClaims();
    const jwt = await assertion(client.client_id, hmacKey(secret), claims);
    expect((await clientCredentialsWith(jwt)).status).toBe(200);
    // RFC 7523 §3 item 7: the used jti is kept "for the length of time for which the JWT would be considered
    // valid", i.e. until exp (plus the clock skew), not for a fixed few minutes.
    const stub = objects.assertionReplay(env, client.client_id, claims.jti);
    const alarm = await runInDurableObject(stub, (_i: AssertionReplay, state) => state.storage.getAlarm());
    expect(alarm).toBe((claims.exp + 10) * 1000);
    setClockOffset(240);
    await expectRefused(await clientCredentialsWith(jwt), "client_assertion has already been used");
    setClockOffset(600);
    await expectRefused(await clientCredentialsWith(jwt), "client_assertion iat is more than 300 seconds old");
  });

  it("refuses an iat more than 5 minutes old (plus skew), even with a valid exp", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const now = nowSeconds();
    const old = await assertion(client.client_id, key, { iat: now - 311, exp: now + 60 });
    await expectRefused(await clientCredentialsWith(old), "client_assertion iat is more than 300 seconds old");
    const borderline = await assertion(client.client_id, key, { iat: now - 305, exp: now + 60 });
    expect((await clientCredentialsWith(borderline)).status).toBe(200);
  });

  it("refuses an exp more than an hour (plus skew) ahead", async () => {
    const { client, secret } = await secretJwtClient();
    const now = nowSeconds();
    const far = await assertion(client.client_id, hmacKey(secret), { iat: now, exp: now + 3620 });
    await expectRefused(await clientCredentialsWith(far), "client_assertion exp is more than 3600 seconds ahead");
    const day = await assertion(client.client_id, hmacKey(secret), { iat: now, exp: now + 86_400 });
    await expectRefused(await clientCredentialsWith(day), "client_assertion exp is more than 3600 seconds ahead");
  });

  it("refuses an iat in the future beyond the skew", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const later = authlibClaims(nowSeconds() + 20);
    await expectRefused(
      await clientCredentialsWith(await assertion(client.client_id, key, later)),
      "client_assertion iat is in the future",
    );
  });

  it("without iat, exp stays within 5 minutes", async () => {
    const key = await keyPair("ES256");
    const client = await privateKeyJwtClient([key]);
    const now = nowSeconds();
    await expectRefused(
      await clientCredentialsWith(await assertion(client.client_id, key, { iat: undefined, exp: now + 3600 })),
      "client_assertion without iat must expire within 300 seconds",
    );
    const short = await assertion(client.client_id, key, { iat: undefined, exp: now + 300 });
    expect((await clientCredentialsWith(short)).status).toBe(200);
  });
});
