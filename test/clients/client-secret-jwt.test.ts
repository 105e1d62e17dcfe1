import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import { setClockOffset } from "../../src/clock";
import { ISSUER, basic, expectOAuthError, tokenRequest, type Tokens } from "../helpers";
import {
  assertion,
  assertionForm,
  clientCredentialsWith,
  hmacKey,
  keyPair,
  postForm,
  secretJwtClient,
} from "./assertions";

async function expectInvalidClient(res: Response): Promise<void> {
  expect(res.headers.get("www-authenticate")).toBeTruthy();
  await expectOAuthError(res, 401, "invalid_client");
}

afterEach(() => setClockOffset(0));

describe("client_secret_jwt (OIDC Core §9, RFC 7523 §2.2)", () => {
  it("accepts an HS256 assertion keyed with the client secret", async () => {
    const { client, secret } = await secretJwtClient();
    const res = await clientCredentialsWith(await assertion(client.client_id, hmacKey(secret)));
    expect(res.status).toBe(200);
    expect((await res.json<Tokens>()).scope).toBe("weather");
  });

  it("authenticates at /introspect (the client inspects its own token) and at /revoke", async () => {
    const { client, secret } = await secretJwtClient();
    const issued = await (
      await clientCredentialsWith(await assertion(client.client_id, hmacKey(secret)))
    ).json<Tokens>();
    const res = await postForm(
      "/introspect",
      assertionForm(await assertion(client.client_id, hmacKey(secret), { aud: `${ISSUER}/introspect` }), {
        token: issued.access_token,
      }),
    );
    expect(await res.json()).toMatchObject({ active: true, client_id: client.client_id });
    const revoked = await postForm(
      "/revoke",
      assertionForm(await assertion(client.client_id, hmacKey(secret), { aud: ISSUER }), {
        token: issued.access_token,
      }),
    );
    expect(revoked.status).toBe(200);
  });

  it("refuses an assertion keyed with a wrong secret", async () => {
    const { client } = await secretJwtClient();
    await expectInvalidClient(
      await clientCredentialsWith(await assertion(client.client_id, hmacKey("not-the-secret"))),
    );
  });

  it("refuses asymmetric algorithms (only HS256 is allowed for this method)", async () => {
    const key = await keyPair("RS256");
    const { client } = await secretJwtClient({ jwks: { keys: [{ ...key.publicJwk }] } });
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, key)));
  });

  it("refuses a replayed or expired assertion", async () => {
    const { client, secret } = await secretJwtClient();
    const jwt = await assertion(client.client_id, hmacKey(secret));
    expect((await clientCredentialsWith(jwt)).status).toBe(200);
    await expectInvalidClient(await clientCredentialsWith(jwt));
    const later = await assertion(client.client_id, hmacKey(secret));
    setClockOffset(61 + 10);
    await expectInvalidClient(await clientCredentialsWith(later));
  });

  it("the client cannot fall back to sending its secret (one method per client)", async () => {
    const { client, secret } = await secretJwtClient();
    await expectInvalidClient(
      await tokenRequest({ grant_type: "client_credentials" }, basic(client.client_id, secret)),
    );
    await expectInvalidClient(
      await tokenRequest({ grant_type: "client_credentials", client_id: client.client_id, client_secret: secret }),
    );
  });

  it("a client whose secret is not stored recoverably cannot use it", async () => {
    const { client, secret } = await secretJwtClient();
    const { client_secret_encrypted: _dropped, ...hashOnly } = client;
    await saveClient(env, hashOnly);
    await expectInvalidClient(await clientCredentialsWith(await assertion(client.client_id, hmacKey(secret))));
  });
});
