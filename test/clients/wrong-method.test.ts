// A client presenting another authentication method than its registered one is told which method that is
// (openid-client v6 sends client_secret_post by default), never anything about its secret. RFC 6749 §5.2:
// invalid_client, 401 with a WWW-Authenticate challenge.
import { describe, expect, it } from "vitest";
import { basic, tokenRequest } from "../helpers";
import { assertion, clientCredentialsWith, hmacKey, keyPair, privateKeyJwtClient, secretJwtClient } from "./assertions";

const cc = { grant_type: "client_credentials" };
const FAILED = "client authentication failed";

async function invalidClientDescription(res: Response, ...secrets: string[]): Promise<string | undefined> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe('Basic realm="edge-oidc"');
  expect(res.headers.get("cache-control")).toBe("no-store");
  const text = await res.text();
  for (const secret of secrets) expect(text).not.toContain(secret);
  const body = JSON.parse(text) as { error: string; error_description?: string };
  expect(body.error).toBe("invalid_client");
  return body.error_description;
}

const registeredFor = (method: string) => `${FAILED}: this client is registered for ${method}`;

describe("invalid_client names the registered method when another one was used", () => {
  it("client_secret_post to a client_secret_basic client (openid-client's default), right or wrong secret", async () => {
    for (const secret of ["demo-secret", "wrong-secret"]) {
      const res = await tokenRequest({ ...cc, client_id: "demo", client_secret: secret });
      expect(await invalidClientDescription(res, secret)).toBe(registeredFor("client_secret_basic"));
    }
  });

  it("client_secret_basic to a client_secret_post client", async () => {
    for (const secret of ["demo-secret", "wrong-secret"]) {
      const res = await tokenRequest(cc, basic("demo-post", secret));
      expect(await invalidClientDescription(res, secret)).toBe(registeredFor("client_secret_post"));
    }
  });

  it("none (client_id alone) to secret clients, and a secret from a public client", async () => {
    expect(await invalidClientDescription(await tokenRequest({ ...cc, client_id: "demo" }))).toBe(
      registeredFor("client_secret_basic"),
    );
    expect(await invalidClientDescription(await tokenRequest({ ...cc, client_id: "demo-post" }))).toBe(
      registeredFor("client_secret_post"),
    );
    const res = await tokenRequest({ ...cc, client_id: "demo-spa", client_secret: "anything-secret" });
    expect(await invalidClientDescription(res, "anything-secret")).toBe(registeredFor("none"));
  });

  it("a JWT assertion to secret and public clients", async () => {
    const key = await keyPair("ES256");
    expect(await invalidClientDescription(await clientCredentialsWith(await assertion("demo", key)))).toBe(
      registeredFor("client_secret_basic"),
    );
    expect(await invalidClientDescription(await clientCredentialsWith(await assertion("demo-spa", key)))).toBe(
      registeredFor("none"),
    );
  });

  it("a secret from JWT clients, whose secret is never disclosed nor confirmed", async () => {
    const { client, secret } = await secretJwtClient();
    for (const presented of [secret, "wrong-secret"]) {
      const viaBasic = await tokenRequest(cc, basic(client.client_id, presented));
      expect(await invalidClientDescription(viaBasic, secret)).toBe(registeredFor("client_secret_jwt"));
      const viaPost = await tokenRequest({ ...cc, client_id: client.client_id, client_secret: presented });
      expect(await invalidClientDescription(viaPost, secret)).toBe(registeredFor("client_secret_jwt"));
    }
    const pk = await privateKeyJwtClient([await keyPair("ES256")]);
    expect(await invalidClientDescription(await tokenRequest(cc, basic(pk.client_id, "some-secret")))).toBe(
      registeredFor("private_key_jwt"),
    );
    expect(await invalidClientDescription(await tokenRequest({ ...cc, client_id: pk.client_id }))).toBe(
      registeredFor("private_key_jwt"),
    );
  });

  it("an HS256 assertion from a private_key_jwt client, and an RS256 one from a client_secret_jwt client", async () => {
    const key = await keyPair("RS256");
    const pk = await privateKeyJwtClient([key]);
    const hs = await clientCredentialsWith(await assertion(pk.client_id, hmacKey("guessed-secret-value")));
    expect(await invalidClientDescription(hs, "guessed-secret-value")).toBe(
      "client_assertion algorithm is not allowed: this client is registered for private_key_jwt with RS256, PS256, ES256, EdDSA",
    );
    const { client, secret } = await secretJwtClient({ jwks: { keys: [{ ...key.publicJwk }] } });
    const rs = await clientCredentialsWith(await assertion(client.client_id, key));
    expect(await invalidClientDescription(rs, secret)).toBe(
      "client_assertion algorithm is not allowed: this client is registered for client_secret_jwt with HS256",
    );
  });
});

describe("invalid_client says nothing more when the method was right or the client is unknown", () => {
  it("the registered method with a wrong secret is a bare failure", async () => {
    expect(await invalidClientDescription(await tokenRequest(cc, basic("demo", "wrong-secret")), "demo-secret")).toBe(
      FAILED,
    );
    const post = await tokenRequest({ ...cc, client_id: "demo-post", client_secret: "wrong-secret" });
    expect(await invalidClientDescription(post, "demo-secret")).toBe(FAILED);
  });

  it("an unknown client_id is a bare failure whatever method it presents", async () => {
    const key = await keyPair("ES256");
    for (const res of [
      await tokenRequest(cc, basic("nobody", "some-secret")),
      await tokenRequest({ ...cc, client_id: "nobody", client_secret: "some-secret" }),
      await tokenRequest({ ...cc, client_id: "nobody" }),
      await clientCredentialsWith(await assertion("nobody", key)),
    ]) {
      expect(await invalidClientDescription(res, "some-secret")).toBe(FAILED);
    }
  });
});
