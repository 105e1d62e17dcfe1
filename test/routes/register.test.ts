import { env, exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { findClient, saveClient } from "../../src/clients/registry";
import type { Client } from "../../src/clients/schema";
import { sectorOf } from "../../src/clients/sector";
import { kv } from "../../src/storage";
import { ISSUER, admin, basic, expectOAuthError, tokenRequest } from "../helpers";
import { assertion, clientCredentialsWith, hmacKey, keyPair } from "../clients/assertions";

const ADMIN = "Bearer dev-admin-token";

interface Registered {
  client_id: string;
  client_secret?: string;
  client_secret_expires_at?: number;
  client_id_issued_at: number;
  registration_access_token: string;
  registration_client_uri: string;
  [field: string]: unknown;
}

function registerRequest(
  body: unknown,
  authorization: string | null = ADMIN,
  contentType = "application/json",
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (authorization !== null) headers.authorization = authorization;
  return exports.default.fetch(`${ISSUER}/register`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function registered(body: unknown): Promise<Registered> {
  const res = await registerRequest(body);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return res.json<Registered>();
}

function manage(
  client: Registered,
  method: string,
  authorization: string | undefined,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (body !== undefined) headers["content-type"] = "application/json";
  return exports.default.fetch(client.registration_client_uri, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const bearer = (token: string) => `Bearer ${token}`;

const webApp = {
  client_name: "Web app",
  redirect_uris: ["https://app.example.com/callback"],
  grant_types: ["authorization_code", "refresh_token", "client_credentials"],
  scope: "openid profile weather",
};

describe("dynamic client registration (RFC 7591)", () => {
  it("registers a client: 201 with its metadata, a generated secret, and management credentials", async () => {
    const res = await registerRequest(webApp);
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Registered>();
    expect(body).toMatchObject({
      client_name: "Web app",
      redirect_uris: webApp.redirect_uris,
      grant_types: webApp.grant_types,
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile weather",
      application_type: "web",
      client_secret_expires_at: 0,
      registration_client_uri: `${ISSUER}/register/${body.client_id}`,
    });
    expect(body.client_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(typeof body.client_id_issued_at).toBe("number");
    expect(body.registration_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body).not.toHaveProperty("client_secret_hash");
    expect(body).not.toHaveProperty("skip_consent");
    // The new client authenticates with its secret at once.
    const token = await tokenRequest(
      { grant_type: "client_credentials", scope: "weather" },
      basic(body.client_id, body.client_secret ?? ""),
    );
    expect(token.status).toBe(200);
  });

  it("stores only hashes of the client secret and of the registration access token", async () => {
    const body = await registered(webApp);
    const stored = (await env.CLIENTS.get(kv.client(body.client_id))) ?? "";
    expect(stored).toContain("registration_access_token_hash");
    expect(stored).not.toContain(body.registration_access_token);
    expect(stored).not.toContain(body.client_secret ?? "missing");
  });

  it("applies the RFC 7591 defaults: authorization_code, code, client_secret_basic, the OpenID scopes", async () => {
    const body = await registered({ redirect_uris: ["https://app.example.com/cb"] });
    expect(body).toMatchObject({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile email address phone offline_access",
    });
  });

  it("registers a private_key_jwt client (no secret) that then authenticates with its key", async () => {
    const key = await keyPair("ES256");
    const body = await registered({
      grant_types: ["client_credentials"],
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [key.publicJwk] },
      scope: "weather",
    });
    expect(body.client_secret).toBeUndefined();
    expect(body.client_secret_expires_at).toBeUndefined();
    expect(body.response_types).toEqual([]);
    expect((await clientCredentialsWith(await assertion(body.client_id, key))).status).toBe(200);
  });

  it("registers a client_secret_jwt client whose secret keys its HS256 assertions", async () => {
    const body = await registered({
      grant_types: ["client_credentials"],
      token_endpoint_auth_method: "client_secret_jwt",
      scope: "weather",
    });
    expect(
      (await clientCredentialsWith(await assertion(body.client_id, hmacKey(body.client_secret ?? "")))).status,
    ).toBe(200);
  });

  it("registers public and native clients without a secret", async () => {
    const spa = await registered({
      token_endpoint_auth_method: "none",
      redirect_uris: ["https://spa.example.com/cb"],
      grant_types: ["authorization_code", "refresh_token"],
    });
    expect(spa.client_secret).toBeUndefined();
    const native = await registered({
      application_type: "native",
      token_endpoint_auth_method: "none",
      redirect_uris: [
        "com.example.app:/oauth2redirect",
        "http://127.0.0.1/callback",
        "http://[::1]:8080/cb",
        "https://app.example.com/native",
      ],
    });
    expect(native.application_type).toBe("native");
  });

  it("accepts loopback http redirect URIs for web clients (local development)", async () => {
    const body = await registered({
      redirect_uris: ["http://localhost:3000/cb", "http://127.0.0.1:3000/cb", "http://[::1]:3000/cb"],
    });
    expect(body.redirect_uris).toHaveLength(3);
  });

  it("ignores metadata it does not understand (RFC 7591 §2)", async () => {
    const body = await registered({ ...webApp, software_version: "1.2", frobnicate: true });
    expect(body).not.toHaveProperty("frobnicate");
  });

  describe("the initial access token", () => {
    for (const [name, authorization] of [
      ["missing", null],
      ["wrong", "Bearer not-the-admin-token"],
      ["not a bearer token", basic("demo", "demo-secret")],
    ] as const) {
      it(`${name}: 401 invalid_token`, async () => {
        const res = await registerRequest(webApp, authorization);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
        await expectOAuthError(res, 401, "invalid_token");
      });
    }
  });

  describe("invalid redirect URIs: invalid_redirect_uri (RFC 7591 §3.2.2)", () => {
    const cases: [string, Record<string, unknown>][] = [
      ["a fragment", { redirect_uris: ["https://app.example.com/cb#frag"] }],
      ["an empty fragment", { redirect_uris: ["https://app.example.com/cb#"] }],
      ["http on a public host for a web client", { redirect_uris: ["http://app.example.com/cb"] }],
      ["a custom scheme for a web client", { redirect_uris: ["com.example.app:/cb"] }],
      ["a relative URI", { redirect_uris: ["/callback"] }],
      ["javascript: for a native client", { application_type: "native", redirect_uris: ["javascript:alert(1)"] }],
      ["a non-reverse-domain scheme for a native client", { application_type: "native", redirect_uris: ["myapp:/cb"] }],
      [
        "http on a public host for a native client",
        { application_type: "native", redirect_uris: ["http://example.com/cb"] },
      ],
      ["authorization_code without any redirect URI", { grant_types: ["authorization_code"], redirect_uris: [] }],
    ];
    for (const [name, metadata] of cases) {
      it(name, async () => {
        await expectOAuthError(await registerRequest(metadata), 400, "invalid_redirect_uri");
      });
    }
  });

  describe("invalid metadata: invalid_client_metadata (RFC 7591 §3.2.2)", () => {
    const redirect = { redirect_uris: ["https://app.example.com/cb"] };
    const key = {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    };
    const cases: [string, Record<string, unknown>][] = [
      ["an unknown grant type", { ...redirect, grant_types: ["authorization_code", "implicit"] }],
      ["an unsupported response type", { ...redirect, response_types: ["token"] }],
      [
        "response type code without the authorization_code grant",
        { grant_types: ["client_credentials"], response_types: ["code"] },
      ],
      [
        "the authorization_code grant without response type code",
        { ...redirect, grant_types: ["authorization_code"], response_types: [] },
      ],
      [
        "a public client with client_credentials",
        { token_endpoint_auth_method: "none", grant_types: ["client_credentials"] },
      ],
      [
        "a public client with password",
        { ...redirect, token_endpoint_auth_method: "none", grant_types: ["authorization_code", "password"] },
      ],
      [
        "a public client with HS256 ID tokens",
        { ...redirect, token_endpoint_auth_method: "none", id_token_signed_response_alg: "HS256" },
      ],
      ["an unknown auth method", { ...redirect, token_endpoint_auth_method: "tls_client_auth" }],
      ["jwks and jwks_uri together", { ...redirect, jwks: { keys: [key] }, jwks_uri: "https://app.example.com/jwks" }],
      ["private_key_jwt without keys", { ...redirect, token_endpoint_auth_method: "private_key_jwt" }],
      [
        "a private key in jwks",
        { ...redirect, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ ...key, d: "secret" }] } },
      ],
      [
        "a symmetric key in jwks",
        { ...redirect, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } },
      ],
      [
        "an incomplete key",
        {
          ...redirect,
          token_endpoint_auth_method: "private_key_jwt",
          jwks: { keys: [{ kty: "EC", crv: "P-256", x: key.x }] },
        },
      ],
      [
        "an http jwks_uri",
        { ...redirect, token_endpoint_auth_method: "private_key_jwt", jwks_uri: "http://app.example.com/jwks" },
      ],
      [
        "signing alg none",
        {
          ...redirect,
          token_endpoint_auth_method: "private_key_jwt",
          jwks: { keys: [key] },
          token_endpoint_auth_signing_alg: "none",
        },
      ],
      [
        "HS256 for private_key_jwt",
        {
          ...redirect,
          token_endpoint_auth_method: "private_key_jwt",
          jwks: { keys: [key] },
          token_endpoint_auth_signing_alg: "HS256",
        },
      ],
      [
        "RS256 for client_secret_jwt",
        { ...redirect, token_endpoint_auth_method: "client_secret_jwt", token_endpoint_auth_signing_alg: "RS256" },
      ],
      [
        "a signing alg for a secret-post client",
        { ...redirect, token_endpoint_auth_method: "client_secret_post", token_endpoint_auth_signing_alg: "HS256" },
      ],
      ["a scope the provider does not know", { ...redirect, scope: "openid admin" }],
      ["resource_server (admin-only)", { ...redirect, resource_server: "urn:example:api" }],
      ["skip_consent (admin-only)", { ...redirect, skip_consent: true }],
      ["lifetimes (admin-only)", { ...redirect, lifetimes: { accessToken: 86400 } }],
      ["custom_claims (admin-only)", { ...redirect, custom_claims: { static: { role: "admin" } } }],
      ["a client_secret of its own choosing", { ...redirect, client_secret: "my-own-secret" }],
      ["a client_id of its own choosing", { ...redirect, client_id: "my-id" }],
      ["a wrongly typed field", { ...redirect, client_name: 42 }],
      ["an unknown ID token algorithm", { ...redirect, id_token_signed_response_alg: "none" }],
      [
        "an encryption enc without alg",
        { ...redirect, jwks: { keys: [key] }, id_token_encrypted_response_enc: "A256GCM" },
      ],
      [
        "an encryption alg without keys",
        { ...redirect, id_token_encrypted_response_alg: "ECDH-ES+A256KW", id_token_encrypted_response_enc: "A256GCM" },
      ],
      ["a logo_uri that is not https", { ...redirect, logo_uri: "javascript:alert(1)" }],
      [
        "pairwise subjects over several hosts",
        { redirect_uris: ["https://a.example.com/cb", "https://b.example.com/cb"], subject_type: "pairwise" },
      ],
      [
        "a sector_identifier_uri that cannot be fetched",
        { ...redirect, subject_type: "pairwise", sector_identifier_uri: "https://app.example.com/sector.json" },
      ],
    ];
    for (const [name, metadata] of cases) {
      it(name, async () => {
        await expectOAuthError(await registerRequest(metadata), 400, "invalid_client_metadata");
      });
    }

    it("a body that is not a JSON object", async () => {
      await expectOAuthError(await registerRequest("not json"), 400, "invalid_client_metadata");
      await expectOAuthError(await registerRequest("[1,2]"), 400, "invalid_client_metadata");
      await expectOAuthError(
        await registerRequest(webApp, ADMIN, "application/x-www-form-urlencoded"),
        400,
        "invalid_client_metadata",
      );
    });
  });
});

describe("client management (RFC 7592)", () => {
  it("reads the registration with the registration access token", async () => {
    const client = await registered(webApp);
    const res = await manage(client, "GET", bearer(client.registration_access_token));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Registered>();
    const { client_secret: _secret, ...withoutSecret } = client;
    expect(body).toEqual(withoutSecret);
  });

  it("refuses a missing, wrong or other client's token, and an unknown client, all alike: 401 invalid_token", async () => {
    const [client, other] = await Promise.all([registered(webApp), registered(webApp)]);
    const unknown = { ...client, registration_client_uri: `${ISSUER}/register/no-such-client` };
    const attempts: [Registered, string | undefined][] = [
      [client, undefined],
      [client, bearer("wrong")],
      [client, bearer(other.registration_access_token)],
      [client, basic(client.client_id, client.client_secret ?? "")],
      [unknown, bearer(client.registration_access_token)],
    ];
    const descriptions = new Set<string>();
    for (const [target, authorization] of attempts) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await manage(
          target,
          method,
          authorization,
          method === "PUT" ? { ...webApp, client_id: target.client_id } : undefined,
        );
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
        expect(res.headers.get("cache-control")).toBe("no-store");
        const body = await res.json<{ error: string; error_description: string }>();
        expect(body.error).toBe("invalid_token");
        descriptions.add(body.error_description);
      }
    }
    expect(descriptions.size).toBe(1);
    // The admin-created demo client has no registration access token: it is not managed here.
    expect((await exports.default.fetch(`${ISSUER}/register/demo`, { headers: { authorization: ADMIN } })).status).toBe(
      401,
    );
  });

  it("PUT replaces the metadata, keeps the secret, and omitted fields are removed", async () => {
    const client = await registered({ ...webApp, logo_uri: "https://app.example.com/logo.png" });
    const update = {
      client_id: client.client_id,
      redirect_uris: ["https://app.example.com/new"],
      grant_types: ["authorization_code"],
      scope: "openid",
    };
    const res = await manage(client, "PUT", bearer(client.registration_access_token), update);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Registered>();
    expect(body).toMatchObject({
      ...update,
      client_secret_expires_at: 0,
      registration_access_token: client.registration_access_token,
    });
    expect(body.client_secret).toBeUndefined();
    expect(body).not.toHaveProperty("logo_uri");
    expect(body).not.toHaveProperty("client_name");
    expect(body.client_id_issued_at).toBe(client.client_id_issued_at);
    // The old secret still works; the token still manages the client.
    const token = await tokenRequest(
      { grant_type: "client_credentials" },
      basic(client.client_id, client.client_secret ?? ""),
    );
    await expectOAuthError(token, 400, "unauthorized_client"); // authenticated, but client_credentials was dropped
    expect((await manage(client, "GET", bearer(client.registration_access_token))).status).toBe(200);
  });

  it("PUT cannot widen what the client has: no new grant type, no new scope, no pairwise to public", async () => {
    const narrow = {
      ...webApp,
      grant_types: ["authorization_code"],
      scope: "openid profile",
      subject_type: "pairwise",
    };
    const client = await registered(narrow);
    const auth = bearer(client.registration_access_token);
    const base = { ...narrow, client_id: client.client_id };
    for (const widened of [
      { ...base, grant_types: ["authorization_code", "client_credentials"] },
      { ...base, grant_types: ["authorization_code", "password"] },
      { ...base, scope: "openid profile weather offline_access" },
      { ...base, subject_type: "public" },
    ]) {
      await expectOAuthError(await manage(client, "PUT", auth, widened), 400, "invalid_client_metadata");
    }
    // Keeping or narrowing is fine, and an update without scope keeps the client's scopes.
    const { scope: _omitted, ...withoutScope } = base;
    const kept = await manage(client, "PUT", auth, withoutScope);
    expect(kept.status).toBe(200);
    expect(await kept.json()).toMatchObject({ scope: "openid profile", subject_type: "pairwise" });
    expect((await manage(client, "PUT", auth, { ...base, scope: "openid" })).status).toBe(200);
  });

  it("the password grant is an administrator's to give: dynamic registration refuses it", async () => {
    const res = await registerRequest({ ...webApp, grant_types: ["authorization_code", "password"] });
    await expectOAuthError(res, 400, "invalid_client_metadata");
  });

  it("PUT accepts the current client_secret and refuses another, or a different client_id", async () => {
    const client = await registered(webApp);
    const auth = bearer(client.registration_access_token);
    const same = await manage(client, "PUT", auth, {
      ...webApp,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(same.status).toBe(200);
    await expectOAuthError(
      await manage(client, "PUT", auth, { ...webApp, client_id: client.client_id, client_secret: "chosen" }),
      400,
      "invalid_client_metadata",
    );
    await expectOAuthError(
      await manage(client, "PUT", auth, { ...webApp, client_id: "someone-else" }),
      400,
      "invalid_client_metadata",
    );
    await expectOAuthError(await manage(client, "PUT", auth, webApp), 400, "invalid_client_metadata");
    await expectOAuthError(
      await manage(client, "PUT", auth, {
        ...webApp,
        client_id: client.client_id,
        registration_access_token: client.registration_access_token,
      }),
      400,
      "invalid_client_metadata",
    );
    await expectOAuthError(
      await manage(client, "PUT", auth, {
        ...webApp,
        client_id: client.client_id,
        redirect_uris: ["https://x.example/#f"],
      }),
      400,
      "invalid_redirect_uri",
    );
    await expectOAuthError(
      await manage(client, "PUT", auth, { ...webApp, client_id: client.client_id, skip_consent: true }),
      400,
      "invalid_client_metadata",
    );
  });

  it("PUT issues a new secret only when the new method needs one it does not have", async () => {
    const key = await keyPair("ES256");
    const keyed = {
      grant_types: ["client_credentials"],
      scope: "weather",
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [key.publicJwk] },
    };
    const client = await registered(keyed);
    const auth = bearer(client.registration_access_token);
    const toBasic = await (
      await manage(client, "PUT", auth, {
        client_id: client.client_id,
        grant_types: ["client_credentials"],
        scope: "weather",
      })
    ).json<Registered>();
    expect(toBasic.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(
      (await tokenRequest({ grant_type: "client_credentials" }, basic(client.client_id, toBasic.client_secret ?? "")))
        .status,
    ).toBe(200);
    // client_secret_jwt needs the secret recoverable, which a hash-only secret is not: a new one.
    const toJwt = await (
      await manage(client, "PUT", auth, {
        client_id: client.client_id,
        grant_types: ["client_credentials"],
        scope: "weather",
        token_endpoint_auth_method: "client_secret_jwt",
      })
    ).json<Registered>();
    expect(toJwt.client_secret).toBeDefined();
    expect(toJwt.client_secret).not.toBe(toBasic.client_secret);
    expect(
      (await clientCredentialsWith(await assertion(client.client_id, hmacKey(toJwt.client_secret ?? "")))).status,
    ).toBe(200);
    // Back to a key: no secret.
    const back = await (
      await manage(client, "PUT", auth, { ...keyed, client_id: client.client_id })
    ).json<Registered>();
    expect(back.client_secret).toBeUndefined();
    expect(back.client_secret_expires_at).toBeUndefined();
  });

  it("PUT keeps the fields only an administrator sets", async () => {
    const client = await registered(webApp);
    const stored = await findClient(env, client.client_id);
    if (!stored) throw new Error("not stored");
    await saveClient(env, { ...stored, skip_consent: true, lifetimes: { accessToken: 600 } });
    const res = await manage(client, "PUT", bearer(client.registration_access_token), {
      ...webApp,
      client_id: client.client_id,
      client_name: "Renamed",
    });
    expect(res.status).toBe(200);
    expect(await findClient(env, client.client_id)).toMatchObject({
      client_name: "Renamed",
      skip_consent: true,
      lifetimes: { accessToken: 600 },
    });
  });

  it("DELETE answers 204; the client is gone and its credentials stop working", async () => {
    const client = await registered(webApp);
    const auth = bearer(client.registration_access_token);
    const before = await tokenRequest(
      { grant_type: "client_credentials" },
      basic(client.client_id, client.client_secret ?? ""),
    );
    expect(before.status).toBe(200);
    const res = await manage(client, "DELETE", auth);
    expect(res.status).toBe(204);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await env.CLIENTS.get(kv.client(client.client_id))).toBeNull();
    await expectOAuthError(await manage(client, "GET", auth), 401, "invalid_token");
    await expectOAuthError(await manage(client, "DELETE", auth), 401, "invalid_token");
    const after = await tokenRequest(
      { grant_type: "client_credentials" },
      basic(client.client_id, client.client_secret ?? ""),
    );
    await expectOAuthError(after, 401, "invalid_client");
  });
});

describe("RFC 7592 updates keep the pairwise sector (OIDC Registration §5, OIDC Core §8.1)", () => {
  /** A sector document (a JSON array of redirect URIs) served on loopback; its host is the sector. */
  async function publish(document: string[], host = "127.0.0.1"): Promise<string> {
    const uri = `${inject("jwksBase").replace("127.0.0.1", host)}/sector-${crypto.randomUUID()}`;
    expect((await fetch(uri, { method: "PUT", body: JSON.stringify(document) })).status).toBe(204);
    return uri;
  }
  async function stored(clientId: string): Promise<Client> {
    const client = await findClient(env, clientId, { fresh: true });
    if (!client) throw new Error("not stored");
    return client;
  }
  async function refused(res: Response, reason: RegExp): Promise<void> {
    expect(res.status).toBe(400);
    const body = await res.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("invalid_client_metadata");
    expect(body.error_description).toMatch(reason);
  }
  const VICTIM = "https://victim.example/cb";
  const ATTACKER = "https://attacker.example/cb";
  const code = { grant_types: ["authorization_code"], scope: "openid" };

  it("refuses redirect URIs the sector document does not list, or another sector; the stored sector stays", async () => {
    const document = await publish([VICTIM]);
    const metadata = { ...code, redirect_uris: [VICTIM], subject_type: "pairwise", sector_identifier_uri: document };
    const client = await registered(metadata);
    const before = await stored(client.client_id);
    expect(before.sector_identifier).toBe("127.0.0.1");
    const auth = bearer(client.registration_access_token);
    const base = { ...metadata, client_id: client.client_id };
    const { sector_identifier_uri: _dropped, ...withoutDocument } = base;

    // The sector's document is fetched again and must list every redirect URI (OIDC Registration §5).
    await refused(await manage(client, "PUT", auth, { ...base, redirect_uris: [ATTACKER] }), /does not list/);
    await refused(await manage(client, "PUT", auth, { ...base, redirect_uris: [VICTIM, ATTACKER] }), /does not list/);
    // Without the document, the redirect URIs' host is the sector: another one.
    await refused(
      await manage(client, "PUT", auth, { ...withoutDocument, redirect_uris: [ATTACKER] }),
      /pairwise sector cannot change \(from 127\.0\.0\.1 to attacker\.example\)/,
    );
    // A document of its own, on another host, lists its URIs: another sector all the same.
    const own = await publish([ATTACKER], "localhost");
    await refused(
      await manage(client, "PUT", auth, { ...base, redirect_uris: [ATTACKER], sector_identifier_uri: own }),
      /pairwise sector cannot change \(from 127\.0\.0\.1 to localhost\)/,
    );
    expect(await stored(client.client_id)).toEqual(before);
  });

  it("accepts an update that keeps the sector, with or without a sector document", async () => {
    const document = await publish([VICTIM, "https://victim.example/other", "https://victim.example.org/cb"]);
    const metadata = { ...code, redirect_uris: [VICTIM], subject_type: "pairwise", sector_identifier_uri: document };
    const client = await registered(metadata);
    const auth = bearer(client.registration_access_token);
    const update = {
      ...metadata,
      client_id: client.client_id,
      redirect_uris: [VICTIM, "https://victim.example.org/cb"],
    };
    expect((await manage(client, "PUT", auth, update)).status).toBe(200);
    expect(await stored(client.client_id)).toMatchObject({
      redirect_uris: update.redirect_uris,
      sector_identifier: "127.0.0.1",
    });

    // No document: the one host is the sector; another path on it keeps it, another host does not.
    const plain = await registered({ ...code, redirect_uris: ["https://a.example/cb"], subject_type: "pairwise" });
    const plainAuth = bearer(plain.registration_access_token);
    const plainBase = { ...code, client_id: plain.client_id, subject_type: "pairwise" };
    const paths = { ...plainBase, redirect_uris: ["https://a.example/cb", "https://a.example/two"] };
    expect((await manage(plain, "PUT", plainAuth, paths)).status).toBe(200);
    await refused(
      await manage(plain, "PUT", plainAuth, { ...plainBase, redirect_uris: ["https://b.example/cb"] }),
      /pairwise sector cannot change \(from a\.example to b\.example\)/,
    );
    await refused(
      await manage(plain, "PUT", plainAuth, { ...plainBase, redirect_uris: ["https://a.example/cb", ATTACKER] }),
      /several hosts/,
    );
    const kept = await stored(plain.client_id);
    expect(kept.redirect_uris).toEqual(paths.redirect_uris);
    expect(sectorOf(kept)).toBe("a.example");
  });

  it("a public client turning pairwise does not inherit a sector its new redirect URIs were never listed for", async () => {
    const document = await publish([VICTIM]);
    const client = await registered({ ...code, redirect_uris: [VICTIM], sector_identifier_uri: document });
    expect((await stored(client.client_id)).sector_identifier).toBe("127.0.0.1");
    const res = await manage(client, "PUT", bearer(client.registration_access_token), {
      ...code,
      client_id: client.client_id,
      redirect_uris: [ATTACKER],
      subject_type: "pairwise",
    });
    expect(res.status).toBe(200);
    const updated = await stored(client.client_id);
    expect(updated.sector_identifier).toBeUndefined();
    expect(sectorOf(updated)).toBe("attacker.example");
  });

  it("an administrator's sector stays while the redirect URIs do; only an administrator moves it", async () => {
    const metadata = { ...code, redirect_uris: ["https://app.partner.example/cb"], subject_type: "pairwise" };
    const client = await registered(metadata);
    const base = { ...metadata, client_id: client.client_id };
    const byAdmin = (body: Record<string, unknown>) => admin(`/clients/${client.client_id}`, "PUT", body);
    expect((await byAdmin({ ...base, sector_identifier: "partner.example" })).status).toBe(200);
    const auth = bearer(client.registration_access_token);

    expect((await manage(client, "PUT", auth, { ...base, client_name: "Renamed" })).status).toBe(200);
    expect((await stored(client.client_id)).sector_identifier).toBe("partner.example");
    // A redirect URI the administrator never saw: the sector would be its host.
    await refused(
      await manage(client, "PUT", auth, { ...base, redirect_uris: ["https://app.partner.example/new"] }),
      /pairwise sector cannot change \(from partner\.example to app\.partner\.example\)/,
    );
    expect((await stored(client.client_id)).sector_identifier).toBe("partner.example");
    // The admin API may move the client to another sector (every user's sub at it changes).
    expect((await byAdmin({ ...base, redirect_uris: [ATTACKER] })).status).toBe(200);
    expect(sectorOf(await stored(client.client_id))).toBe("attacker.example");
  });
});
