// Pushed authorization requests (RFC 9126): the PAR endpoint (§2) and request_uri at /authorize (§4, §6).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { app } from "../../src/index";
import {
  Browser,
  DEMO_REDIRECT,
  ISSUER,
  SPA_REDIRECT,
  authorize,
  authorizeUrl,
  basic,
  expectOAuthError,
  pkcePair,
  redeem,
  type Tokens,
} from "../helpers";
import { assertion, assertionForm, keyPair, privateKeyJwtClient } from "../clients/assertions";
import {
  PAR_ENDPOINT,
  RP_REDIRECT,
  URN_PREFIX,
  demoRequest,
  expectErrorPage,
  only,
  push,
  pushed,
  redirectedError,
  rpClient,
} from "./support";

afterEach(() => setClockOffset(0));

describe("PAR endpoint (RFC 9126 §2)", () => {
  it("answers 201 with a request_uri URN and expires_in, never cached (§2.2)", async () => {
    const res = await push(demoRequest());
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json<{ request_uri: string; expires_in: number }>();
    expect(body.request_uri.startsWith(URN_PREFIX)).toBe(true);
    expect(body.expires_in).toBe(60);
    expect(Object.keys(body).sort()).toEqual(["expires_in", "request_uri"]);
  });

  it("the pushed request runs the whole code flow, and the code redeems", async () => {
    const requestUri = await pushed();
    const location = await authorize(new Browser(), only({ client_id: "demo", request_uri: requestUri }));
    expect(`${location.origin}${location.pathname}`).toBe(DEMO_REDIRECT);
    expect(location.searchParams.get("state")).toBe("pushed-state");
    expect(location.searchParams.get("iss")).toBe(ISSUER);
    const res = await redeem(location.searchParams.get("code") ?? "");
    expect(res.status).toBe(200);
    expect((await res.json<Tokens>()).scope).toBe("openid profile email");
  });

  describe("client authentication is required and checked as at the token endpoint (§2)", () => {
    it("no credentials, a wrong secret, an unknown client: 401 invalid_client", async () => {
      for (const [form, authorization] of [
        [{ ...demoRequest(), client_id: "demo" }, null],
        [demoRequest(), basic("demo", "wrong")],
        [demoRequest(), basic("nobody", "x")],
        [demoRequest(), null],
      ] as const) {
        const res = await push(form, authorization);
        expect(res.headers.get("www-authenticate")).toBeTruthy();
        await expectOAuthError(res, 401, "invalid_client");
      }
    });

    it("private_key_jwt: the issuer and the PAR endpoint are accepted audiences, another is not", async () => {
      const key = await keyPair("ES256");
      const client = await privateKeyJwtClient([key], {
        redirect_uris: [RP_REDIRECT],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        scope: "openid",
      });
      const request = { response_type: "code", redirect_uri: RP_REDIRECT, scope: "openid" };
      for (const aud of [ISSUER, PAR_ENDPOINT]) {
        const res = await push(assertionForm(await assertion(client.client_id, key, { aud }), request), null);
        expect(res.status, aud).toBe(201);
      }
      const elsewhere = await assertion(client.client_id, key, { aud: "https://elsewhere.example" });
      await expectOAuthError(await push(assertionForm(elsewhere, request), null), 401, "invalid_client");
    });

    it("a public client pushes with its client_id (and PKCE, which it must use)", async () => {
      const { challenge } = await pkcePair();
      const form = { client_id: "demo-spa", response_type: "code", redirect_uri: SPA_REDIRECT, scope: "openid" };
      await expectOAuthError(await push(form, null), 400, "invalid_request");
      const res = await push({ ...form, code_challenge: challenge, code_challenge_method: "S256" }, null);
      expect(res.status).toBe(201);
    });
  });

  it("answers another method than POST with 405 (§2.3)", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await exports.default.fetch(PAR_ENDPOINT, { method });
      expect(res.headers.get("allow"), method).toBe("POST");
      await expectOAuthError(res, 405, "invalid_request");
    }
  });

  it("refuses request_uri in the push (§2.1)", async () => {
    const res = await push(demoRequest({ request_uri: `${URN_PREFIX}x` }));
    await expectOAuthError(res, 400, "invalid_request");
  });

  describe("validates as the authorization endpoint does, errors as JSON (§2.1, §2.3)", () => {
    const cases: [string, Record<string, string | undefined>, string][] = [
      ["an unregistered redirect_uri", { redirect_uri: "https://evil.example/cb" }, "invalid_request"],
      ["no redirect_uri", { redirect_uri: undefined }, "invalid_request"],
      ["no response_type", { response_type: undefined }, "invalid_request"],
      ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
      ["an unknown scope", { scope: "openid admin" }, "invalid_scope"],
      [
        "code_challenge_method=plain",
        { code_challenge: "a".repeat(43), code_challenge_method: "plain" },
        "invalid_request",
      ],
      ["prompt=none with login", { prompt: "none login" }, "invalid_request"],
      ["a malformed dpop_jkt (RFC 9449 §10)", { dpop_jkt: "not-a-thumbprint" }, "invalid_request"],
      ["an unknown response_mode", { response_mode: "web_message" }, "invalid_request"],
    ];
    for (const [name, changes, error] of cases) {
      it(name, async () => {
        const form = Object.fromEntries(
          Object.entries({ ...demoRequest(), ...changes }).filter((entry): entry is [string, string] => !!entry[1]),
        );
        await expectOAuthError(await push(form), 400, error);
      });
    }

    it("a well-formed dpop_jkt is accepted", async () => {
      expect((await push(demoRequest({ dpop_jkt: "A".repeat(43) }))).status).toBe(201);
    });

    it("a client without the code flow is unauthorized_client", async () => {
      const rp = await rpClient({ grant_types: ["client_credentials"], response_types: [] });
      const form = { response_type: "code", redirect_uri: RP_REDIRECT, scope: "openid" };
      await expectOAuthError(await push(form, rp.basic), 400, "unauthorized_client");
    });
  });

  it("answers the client's browser app with CORS, preflight included", async () => {
    const origin = "http://localhost:3000";
    const preflight = await exports.default.fetch(PAR_ENDPOINT, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    const { challenge } = await pkcePair();
    const form = {
      client_id: "demo-spa",
      response_type: "code",
      redirect_uri: SPA_REDIRECT,
      scope: "openid",
      code_challenge: challenge,
      code_challenge_method: "S256",
    };
    const res = await push(form, null, { origin });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    const stranger = await push(form, null, { origin: "https://evil.example" });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("request_uri at the authorization endpoint (RFC 9126 §4)", () => {
  it("client_id is required (§4)", async () => {
    const requestUri = await pushed();
    await expectErrorPage(
      await new Browser().fetch(authorizeUrl(only({ request_uri: requestUri }))),
      "invalid_request",
    );
  });

  it("another client's client_id is refused, and does not use the request up", async () => {
    const requestUri = await pushed();
    const res = await new Browser().fetch(authorizeUrl(only({ client_id: "demo-spa", request_uri: requestUri })));
    await expectErrorPage(res, "invalid_request_uri");
    const own = await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    expect(own.status).toBe(303);
  });

  it("is single use", async () => {
    const requestUri = await pushed();
    const url = authorizeUrl(only({ client_id: "demo", request_uri: requestUri }));
    const first = await new Browser().fetch(url);
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toMatch(/^\/login\?/);
    await expectErrorPage(await new Browser().fetch(url), "invalid_request_uri");
  });

  it("is refused once expired (clock moved past expires_in)", async () => {
    const requestUri = await pushed();
    setClockOffset(61);
    const res = await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    await expectErrorPage(res, "invalid_request_uri");
  });

  it("is still good just before it expires", async () => {
    const requestUri = await pushed();
    setClockOffset(58);
    const res = await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    expect(res.status).toBe(303);
  });

  it("forged, truncated or tampered URNs are invalid_request_uri; other URIs request_uri_not_supported", async () => {
    const requestUri = await pushed();
    const [id = "", secret = ""] = requestUri.slice(URN_PREFIX.length).split(".");
    const forged = [
      `${URN_PREFIX}${"0".repeat(64)}.${secret}`,
      `${URN_PREFIX}${id}`,
      `${URN_PREFIX}${id}.${"A".repeat(secret.length)}`,
      `${URN_PREFIX}${id}.${secret}.x`,
      `${URN_PREFIX}nothing`,
    ];
    for (const uri of forged) {
      const res = await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: uri })));
      await expectErrorPage(res, "invalid_request_uri");
    }
    // A wrong secret did not use it up.
    const res = await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    expect(res.status).toBe(303);
    const remote = await new Browser().fetch(
      authorizeUrl(only({ client_id: "demo", request_uri: "https://rp.example/request.jwt" })),
    );
    await expectErrorPage(remote, "request_uri_not_supported");
  });

  it("request and request_uri together are refused (RFC 9101 §5)", async () => {
    const requestUri = await pushed();
    const res = await new Browser().fetch(
      authorizeUrl(only({ client_id: "demo", request_uri: requestUri, request: "eyJ.e30." })),
    );
    await expectErrorPage(res, "invalid_request");
  });

  it("parameters outside the pushed request are ignored (other redirect_uri, state, scope)", async () => {
    const requestUri = await pushed(demoRequest({ scope: "openid" }));
    const location = await authorize(
      new Browser(),
      only({
        client_id: "demo",
        request_uri: requestUri,
        redirect_uri: "https://evil.example/cb",
        state: "outside-state",
        scope: "openid profile email",
        response_mode: "fragment",
      }),
    );
    expect(`${location.origin}${location.pathname}`).toBe(DEMO_REDIRECT);
    expect(location.searchParams.get("state")).toBe("pushed-state");
    const tokens = await (await redeem(location.searchParams.get("code") ?? "")).json<Tokens>();
    expect(tokens.scope).toBe("openid");
  });

  it("concurrent uses of one request_uri: exactly one succeeds", async () => {
    const requestUri = await pushed();
    const url = authorizeUrl(only({ client_id: "demo", request_uri: requestUri }));
    const answers = await Promise.all(Array.from({ length: 12 }, () => new Browser().fetch(url)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 303)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(11);
  });

  it("concurrent take() on the object itself: exactly one gets the request", async () => {
    const requestUri = await pushed();
    const [hex = "", secret = ""] = requestUri.slice(URN_PREFIX.length).split(".");
    const stub = env.PUSHED_REQUEST.get(env.PUSHED_REQUEST.idFromString(hex));
    const taken = await Promise.all(Array.from({ length: 20 }, () => stub.take(secret, "demo")));
    expect(taken.filter((record) => record !== null)).toHaveLength(1);
  });
});

describe("the PushedRequest object", () => {
  const objectOf = (requestUri: string) =>
    env.PUSHED_REQUEST.get(env.PUSHED_REQUEST.idFromString(requestUri.slice(URN_PREFIX.length).split(".")[0] ?? ""));
  const stored = (requestUri: string) =>
    runInDurableObject(objectOf(requestUri), (_instance, state) => [...state.storage.kv.list()].length);

  it("its alarm deletes a request nobody used once expired, and keeps it before", async () => {
    const requestUri = await pushed();
    expect(await stored(requestUri)).toBe(1);
    // The injected clock says not yet: the alarm re-arms and keeps the request.
    expect(await runDurableObjectAlarm(objectOf(requestUri))).toBe(true);
    expect(await stored(requestUri)).toBe(1);
    setClockOffset(61);
    expect(await runDurableObjectAlarm(objectOf(requestUri))).toBe(true);
    expect(await stored(requestUri)).toBe(0);
  });

  it("a used request leaves nothing stored", async () => {
    const requestUri = await pushed();
    await new Browser().fetch(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    expect(await stored(requestUri)).toBe(0);
  });
});

describe("requiring PAR (RFC 9126 §6, §5)", () => {
  it("a client with require_pushed_authorization_requests is refused without PAR, at its redirect URI", async () => {
    const rp = await rpClient({ require_pushed_authorization_requests: true });
    const plain = { client_id: rp.client.client_id, response_type: "code", redirect_uri: RP_REDIRECT, scope: "openid" };
    const res = await new Browser().fetch(authorizeUrl(only({ ...plain, state: "s" })));
    const got = redirectedError(res, RP_REDIRECT);
    expect(got.get("error")).toBe("invalid_request");
    expect(got.get("state")).toBe("s");
    const requestUri = await pushed(plain, rp.basic);
    const through = await new Browser().fetch(
      authorizeUrl(only({ client_id: rp.client.client_id, request_uri: requestUri })),
    );
    expect(through.status).toBe(303);
    expect(through.headers.get("location")).toMatch(/^\/login\?/);
  });

  it("REQUIRE_PAR=true refuses every request that did not come through PAR, and discovery says so", async () => {
    const required = { ...env, REQUIRE_PAR: "true" };
    const fetchWith = (url: string) => app.fetch(new Request(new URL(url, ISSUER), { redirect: "manual" }), required);
    const got = redirectedError(await fetchWith(authorizeUrl()), DEMO_REDIRECT);
    expect(got.get("error")).toBe("invalid_request");
    const requestUri = await pushed();
    const through = await fetchWith(authorizeUrl(only({ client_id: "demo", request_uri: requestUri })));
    expect(through.status).toBe(303);
    expect(through.headers.get("location")).toMatch(/^\/login\?/);
    const meta = await (await fetchWith("/.well-known/openid-configuration")).json<Record<string, unknown>>();
    expect(meta.require_pushed_authorization_requests).toBe(true);
    const normal = await (
      await exports.default.fetch(`${ISSUER}/.well-known/openid-configuration`)
    ).json<Record<string, unknown>>();
    expect(normal.require_pushed_authorization_requests).toBe(false);
    expect(normal.pushed_authorization_request_endpoint).toBe(PAR_ENDPOINT);
  });
});

describe("registration metadata", () => {
  const base = {
    client_name: "par-client",
    redirect_uris: [RP_REDIRECT],
    token_endpoint_auth_method: "client_secret_basic",
  };
  const register = (metadata: Record<string, unknown>) =>
    exports.default.fetch(`${ISSUER}/admin/clients`, {
      method: "POST",
      headers: { authorization: "Bearer dev-admin-token", "content-type": "application/json" },
      body: JSON.stringify({ ...base, ...metadata }),
    });

  it("require_pushed_authorization_requests must be a boolean, and is registered", async () => {
    await expectOAuthError(
      await register({ require_pushed_authorization_requests: "yes" }),
      400,
      "invalid_client_metadata",
    );
    const res = await register({ require_pushed_authorization_requests: true });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ require_pushed_authorization_requests: true });
  });

  it("request_object_signing_alg must be a supported asymmetric algorithm, with keys to verify it", async () => {
    const key = await keyPair("ES256");
    const jwks = { keys: [key.publicJwk] };
    for (const alg of ["none", "HS256", "RS512"]) {
      await expectOAuthError(await register({ request_object_signing_alg: alg, jwks }), 400, "invalid_client_metadata");
    }
    await expectOAuthError(await register({ request_object_signing_alg: "ES256" }), 400, "invalid_client_metadata");
    const res = await register({ request_object_signing_alg: "ES256", jwks });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ request_object_signing_alg: "ES256" });
  });
});
