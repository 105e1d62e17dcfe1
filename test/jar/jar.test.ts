// Signed request objects (RFC 9101 JAR, OIDC Core §6.1): `request` at /authorize and inside a PAR body.
import { UnsecuredJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { Browser, ISSUER, authorize, authorizeUrl, expectOAuthError, tokenRequest, type Tokens } from "../helpers";
import { hmacKey, keyPair, type KeyPair } from "../clients/assertions";
import {
  PAR_ENDPOINT,
  RP_OTHER_REDIRECT,
  RP_REDIRECT,
  expectErrorPage,
  only,
  push,
  pushed,
  redirectedError,
  requestObject,
  rpClient,
} from "../par/support";

afterEach(() => setClockOffset(0));

/** A client with one registered ES256 key (and whatever else). */
async function jarClient(extra: Parameters<typeof rpClient>[0] = {}, keys?: KeyPair[]) {
  const key = await keyPair("ES256");
  const rp = await rpClient(extra, keys ?? [key]);
  return { ...rp, key };
}

function byValue(clientId: string, request: string, outside: Record<string, string> = {}): Promise<Response> {
  return new Browser().fetch(authorizeUrl(only({ client_id: clientId, request, ...outside })));
}

/** A request object that passed: the browser is sent to sign in. */
function expectAccepted(res: Response): void {
  expect(res.status, res.headers.get("location") ?? "").toBe(303);
  expect(res.headers.get("location")).toMatch(/^\/login\?/);
}

describe("request objects that must not pass for something else", () => {
  it("a registered key Web Crypto cannot import (an EC point off its curve): 400, never a 5xx", async () => {
    const signer = await keyPair("ES256");
    // x = y = 1: the right length, not a point of P-256.
    const bad = {
      kty: "EC",
      crv: "P-256",
      kid: signer.kid,
      alg: "ES256",
      x: `${"A".repeat(42)}E`,
      y: `${"A".repeat(42)}E`,
    };
    const rp = await rpClient({ jwks: { keys: [bad] } });
    await expectErrorPage(
      await byValue(rp.client.client_id, await requestObject(rp.client.client_id, signer)),
      "invalid_request_object",
    );
    const res = await push({ request: await requestObject(rp.client.client_id, signer) }, rp.basic);
    await expectOAuthError(res, 400, "invalid_request_object");
  });

  it("a request object naming sub = client_id is no client assertion at the token endpoint", async () => {
    const { client, key } = await jarClient({
      token_endpoint_auth_method: "private_key_jwt",
      grant_types: ["authorization_code", "client_credentials"],
      scope: "openid weather",
    });
    const object = await requestObject(client.client_id, key, { sub: client.client_id, aud: `${ISSUER}/token` });
    const res = await tokenRequest({
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: object,
    });
    await expectOAuthError(res, 401, "invalid_client");
  });

  it("a client that must push gets its request object refused before it is verified or its jti spent", async () => {
    const rp = await jarClient({ require_pushed_authorization_requests: true });
    const object = await requestObject(rp.client.client_id, rp.key);
    await expectErrorPage(await byValue(rp.client.client_id, object), "invalid_request");
    // The object was not spent: pushed, it is accepted.
    const res = await push({ request: object }, rp.basic);
    expect(res.status, await res.clone().text()).toBe(201);
  });
});

describe("request objects at /authorize (RFC 9101)", () => {
  for (const alg of ["ES256", "RS256", "PS256", "EdDSA"] as const) {
    it(`accepts an object signed ${alg} with a registered key`, async () => {
      const key = await keyPair(alg);
      const rp = await rpClient({}, [key]);
      expectAccepted(await byValue(rp.client.client_id, await requestObject(rp.client.client_id, key)));
    });
  }

  it("runs the code flow with the object's parameters only; those outside are ignored (§5)", async () => {
    const rp = await jarClient();
    const id = rp.client.client_id;
    const request = await requestObject(id, rp.key, { scope: "openid", state: "inside" });
    const outside = {
      redirect_uri: RP_OTHER_REDIRECT,
      scope: "openid profile email",
      state: "outside",
      response_type: "code",
    };
    const location = await authorize(new Browser(), only({ client_id: id, request, ...outside }));
    expect(`${location.origin}${location.pathname}`).toBe(RP_REDIRECT);
    expect(location.searchParams.get("state")).toBe("inside");
    const res = await tokenRequest(
      { grant_type: "authorization_code", code: location.searchParams.get("code") ?? "", redirect_uri: RP_REDIRECT },
      rp.basic,
    );
    expect(res.status).toBe(200);
    expect((await res.json<Tokens>()).scope).toBe("openid");
  });

  it("accepts typ JWT or no typ (OIDC Core §6.1 objects), refuses another typ (§10.8)", async () => {
    const rp = await jarClient();
    const id = rp.client.client_id;
    expectAccepted(await byValue(id, await requestObject(id, rp.key, {}, "JWT")));
    expectAccepted(await byValue(id, await requestObject(id, rp.key, {}, null)));
    for (const typ of ["dpop+jwt", "at+jwt", "logout+jwt"]) {
      await expectErrorPage(await byValue(id, await requestObject(id, rp.key, {}, typ)), "invalid_request_object");
    }
  });

  it("errors after the object is trusted go to its redirect URI with its state", async () => {
    const rp = await jarClient();
    const id = rp.client.client_id;
    const res = await byValue(id, await requestObject(id, rp.key, { response_type: "token", state: "inside" }));
    const got = redirectedError(res, RP_REDIRECT);
    expect(got.get("error")).toBe("unsupported_response_type");
    expect(got.get("state")).toBe("inside");
    expect(got.get("iss")).toBe(ISSUER);
  });

  it("client_id is required in the query (§5)", async () => {
    const rp = await jarClient();
    const request = await requestObject(rp.client.client_id, rp.key);
    await expectErrorPage(await new Browser().fetch(authorizeUrl(only({ request }))), "invalid_request");
  });

  describe("refused with invalid_request_object on our page (§6)", () => {
    const refusals: [string, (rp: Awaited<ReturnType<typeof jarClient>>) => Promise<string>][] = [
      ["a key the client did not register", async (rp) => requestObject(rp.client.client_id, await keyPair("ES256"))],
      ["alg none", async (rp) => unsigned(rp.client.client_id)],
      ["HS256 with the client secret", async (rp) => requestObject(rp.client.client_id, hmacKey(rp.secret))],
      [
        "aud another server",
        async (rp) => requestObject(rp.client.client_id, rp.key, { aud: "https://other.example" }),
      ],
      ["no aud", async (rp) => requestObject(rp.client.client_id, rp.key, { aud: undefined })],
      ["iss another client", async (rp) => requestObject(rp.client.client_id, rp.key, { iss: "demo" })],
      ["no iss", async (rp) => requestObject(rp.client.client_id, rp.key, { iss: undefined })],
      ["no exp", async (rp) => requestObject(rp.client.client_id, rp.key, { exp: undefined })],
      ["expired", async (rp) => requestObject(rp.client.client_id, rp.key, { exp: nowSeconds() - 60 })],
      [
        "exp more than an hour ahead",
        async (rp) => requestObject(rp.client.client_id, rp.key, { exp: nowSeconds() + 7200 }),
      ],
      ["nbf in the future", async (rp) => requestObject(rp.client.client_id, rp.key, { nbf: nowSeconds() + 120 })],
      [
        "nbf more than an hour old",
        async (rp) => requestObject(rp.client.client_id, rp.key, { nbf: nowSeconds() - 7200 }),
      ],
      ["iat in the future", async (rp) => requestObject(rp.client.client_id, rp.key, { iat: nowSeconds() + 120 })],
      ["no jti", async (rp) => requestObject(rp.client.client_id, rp.key, { jti: undefined })],
      ["client_id of another client", async (rp) => requestObject(rp.client.client_id, rp.key, { client_id: "demo" })],
      ["no client_id inside", async (rp) => requestObject(rp.client.client_id, rp.key, { client_id: undefined })],
      [
        "a request_uri inside (OIDC Core §6.1)",
        async (rp) => requestObject(rp.client.client_id, rp.key, { request_uri: "https://x.example/r" }),
      ],
      [
        "a parameter that is not a string",
        async (rp) => requestObject(rp.client.client_id, rp.key, { scope: ["openid"] }),
      ],
      ["not a JWT", async () => "not-a-jwt"],
    ];
    for (const [name, make] of refusals) {
      it(name, async () => {
        const rp = await jarClient();
        await expectErrorPage(await byValue(rp.client.client_id, await make(rp)), "invalid_request_object");
      });
    }

    it("a valid object of another client, sent with this client_id", async () => {
      const other = await jarClient();
      const rp = await jarClient();
      const request = await requestObject(other.client.client_id, other.key);
      await expectErrorPage(await byValue(rp.client.client_id, request), "invalid_request_object");
    });

    it("an algorithm other than the client's registered request_object_signing_alg", async () => {
      const [ec, rsa] = await Promise.all([keyPair("ES256"), keyPair("RS256")]);
      const rp = await rpClient({ request_object_signing_alg: "ES256" }, [ec, rsa]);
      const id = rp.client.client_id;
      await expectErrorPage(await byValue(id, await requestObject(id, rsa)), "invalid_request_object");
      expectAccepted(await byValue(id, await requestObject(id, ec)));
    });

    it("a client without registered keys", async () => {
      const rp = await rpClient();
      const request = await requestObject(rp.client.client_id, await keyPair("ES256"));
      await expectErrorPage(await byValue(rp.client.client_id, request), "invalid_request_object");
    });

    it("a replayed object: its jti is used once (same object twice)", async () => {
      const rp = await jarClient();
      const request = await requestObject(rp.client.client_id, rp.key);
      expectAccepted(await byValue(rp.client.client_id, request));
      await expectErrorPage(await byValue(rp.client.client_id, request), "invalid_request_object");
    });

    it("an object that was valid, once its exp has passed (clock moved)", async () => {
      const rp = await jarClient();
      const request = await requestObject(rp.client.client_id, rp.key);
      setClockOffset(120);
      await expectErrorPage(await byValue(rp.client.client_id, request), "invalid_request_object");
    });
  });
});

describe("request objects inside a PAR body (RFC 9126 §3)", () => {
  it("the object's parameters are pushed; the form's others are ignored", async () => {
    const rp = await jarClient();
    const id = rp.client.client_id;
    const request = await requestObject(id, rp.key, { state: "inside", scope: "openid" });
    const requestUri = await pushed(
      { request, scope: "openid admin", redirect_uri: "https://evil.example/" },
      rp.basic,
    );
    const location = await authorize(new Browser(), only({ client_id: id, request_uri: requestUri }));
    expect(`${location.origin}${location.pathname}`).toBe(RP_REDIRECT);
    expect(location.searchParams.get("state")).toBe("inside");
  });

  it("an invalid object is a 400 invalid_request_object JSON answer; a replayed one too", async () => {
    const rp = await jarClient();
    const id = rp.client.client_id;
    await expectOAuthError(
      await push({ request: await requestObject(id, rp.key, { aud: PAR_ENDPOINT }) }, rp.basic),
      400,
      "invalid_request_object",
    );
    const request = await requestObject(id, rp.key);
    expect((await push({ request }, rp.basic)).status).toBe(201);
    await expectOAuthError(await push({ request }, rp.basic), 400, "invalid_request_object");
  });

  it("the object's client_id must be the authenticated client", async () => {
    const rp = await jarClient();
    const other = await jarClient();
    const request = await requestObject(other.client.client_id, other.key);
    await expectOAuthError(await push({ request }, rp.basic), 400, "invalid_request_object");
  });

  it("validation errors inside the object are JSON too", async () => {
    const rp = await jarClient();
    const request = await requestObject(rp.client.client_id, rp.key, { redirect_uri: "https://evil.example/cb" });
    await expectOAuthError(await push({ request }, rp.basic), 400, "invalid_request");
  });
});

function unsigned(clientId: string): string {
  const now = nowSeconds();
  return new UnsecuredJWT({
    client_id: clientId,
    response_type: "code",
    redirect_uri: RP_REDIRECT,
    scope: "openid",
    jti: crypto.randomUUID(),
  })
    .setIssuer(clientId)
    .setAudience(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .encode();
}
