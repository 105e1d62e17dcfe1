// Request objects by reference (RFC 9101 §5.2, OIDC Core §6.2): fetched for real from a loopback server, and only
// from a request_uri the client registered.
import { exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { Browser, ISSUER, authorize, authorizeUrl, expectOAuthError } from "../helpers";
import { keyPair } from "../clients/assertions";
import { RP_REDIRECT, expectErrorPage, only, requestObject, rpClient } from "../par/support";

/** Serves `body` at a new URL of the loopback server (its key-set store serves any text). */
async function publish(body: string): Promise<string> {
  const uri = `${inject("jwksBase")}/ro-${crypto.randomUUID()}`;
  const res = await fetch(uri, { method: "PUT", body });
  expect(res.status).toBe(204);
  return uri;
}

async function referenceClient(uris: string[]) {
  const key = await keyPair("ES256");
  const rp = await rpClient({ request_uris: uris }, [key]);
  return { ...rp, key };
}

const byReference = (clientId: string, requestUri: string, outside: Record<string, string> = {}) =>
  new Browser().fetch(authorizeUrl(only({ client_id: clientId, request_uri: requestUri, ...outside })));

describe("request_uri by reference (RFC 9101 §5.2)", () => {
  it("fetches the object from a registered request_uri and uses only its parameters", async () => {
    const uri = `${inject("jwksBase")}/ro-${crypto.randomUUID()}`;
    const rp = await referenceClient([uri]);
    const object = await requestObject(rp.client.client_id, rp.key, { state: "by-reference" });
    await fetch(uri, { method: "PUT", body: object });
    const location = await authorize(
      new Browser(),
      only({
        client_id: rp.client.client_id,
        request_uri: uri,
        state: "outside",
        redirect_uri: "https://evil.example/",
      }),
    );
    expect(`${location.origin}${location.pathname}`).toBe(RP_REDIRECT);
    expect(location.searchParams.get("state")).toBe("by-reference");
  });

  it("never fetches a request_uri the client did not register (request_uri_not_supported)", async () => {
    const registered = await publish("x");
    const rp = await referenceClient([registered]);
    const other = await publish(await requestObject(rp.client.client_id, rp.key));
    await expectErrorPage(await byReference(rp.client.client_id, other), "request_uri_not_supported");
  });

  it("a registered request_uri that cannot be fetched, or answers too much, is invalid_request_uri", async () => {
    const missing = `${inject("jwksBase")}/ro-${crypto.randomUUID()}`;
    const large = await publish("a".repeat(20 * 1024));
    const rp = await referenceClient([missing, large]);
    await expectErrorPage(await byReference(rp.client.client_id, missing), "invalid_request_uri");
    await expectErrorPage(await byReference(rp.client.client_id, large), "invalid_request_uri");
  });

  it("the fetched object is checked like one by value (a key the client did not register)", async () => {
    const uri = `${inject("jwksBase")}/ro-${crypto.randomUUID()}`;
    const rp = await referenceClient([uri]);
    await fetch(uri, { method: "PUT", body: await requestObject(rp.client.client_id, await keyPair("ES256")) });
    await expectErrorPage(await byReference(rp.client.client_id, uri), "invalid_request_object");
  });

  it("registration: request_uris are https (http only on loopback for a local provider) and need the client's keys", async () => {
    const register = (metadata: Record<string, unknown>) =>
      exports.default.fetch(`${ISSUER}/admin/clients`, {
        method: "POST",
        headers: { authorization: "Bearer dev-admin-token", "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [RP_REDIRECT], ...metadata }),
      });
    const key = await keyPair("ES256");
    const jwks = { keys: [key.publicJwk] };
    await expectOAuthError(
      await register({ request_uris: ["http://rp.example/r.jwt"], jwks }),
      400,
      "invalid_client_metadata",
    );
    await expectOAuthError(
      await register({ request_uris: ["https://rp.example/r.jwt"] }),
      400,
      "invalid_client_metadata",
    );
    const res = await register({ request_uris: ["https://rp.example/r.jwt"], jwks });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ request_uris: ["https://rp.example/r.jwt"] });
  });
});
