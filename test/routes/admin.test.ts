import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISSUER, basic, clientCredentials, expectOAuthError, tokenRequest, type Tokens } from "../helpers";

const ADMIN = { authorization: "Bearer dev-admin-token" };

function adminFetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(`${ISSUER}/admin${path}`, {
    method: init.method ?? "GET",
    headers: { ...ADMIN, ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

describe("admin API: authentication", () => {
  it("refuses a missing or wrong admin token (RFC 6750)", async () => {
    const none = await exports.default.fetch(`${ISSUER}/admin/clients`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await adminFetch("/clients", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe("admin API: users", () => {
  it("creates, reads, updates, lists and deletes a user; password hashes never leave", async () => {
    const created = await adminFetch("/users", {
      method: "POST",
      body: { username: "knife", password: "sharp-knife-1", claims: { name: "Kit Knife", email: "knife@example.com" } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const user = await created.json<{ sub: string; username: string; claims: Record<string, unknown> }>();
    expect(user.username).toBe("knife");
    expect(JSON.stringify(user)).not.toContain("PBKDF2");

    const login = () =>
      tokenRequest(
        { grant_type: "password", username: "knife", password: "sharp-knife-1", scope: "openid" },
        basic("demo", "demo-secret"),
      );
    expect((await login()).status).toBe(200);

    const duplicate = await adminFetch("/users", {
      method: "POST",
      body: { username: "knife", password: "another-pass" },
    });
    expect(duplicate.status).toBe(409);

    const updated = await adminFetch(`/users/${user.sub}`, { method: "PUT", body: { password: "sharper-knife-2" } });
    expect(updated.status).toBe(200);
    expect((await login()).status).toBe(400);

    const list = await (await adminFetch("/users")).json<{ users: { username: string }[] }>();
    expect(list.users.map((u) => u.username)).toContain("knife");
    expect(JSON.stringify(list)).not.toContain("hash");

    expect((await adminFetch(`/users/${user.sub}`, { method: "DELETE" })).status).toBe(204);
    expect((await adminFetch(`/users/${user.sub}`)).status).toBe(404);
  });

  it("rejects invalid bodies with invalid_request", async () => {
    await expectOAuthError(
      await adminFetch("/users", { method: "POST", body: { username: "x", password: "short" } }),
      400,
      "invalid_request",
    );
    await expectOAuthError(
      await adminFetch("/users", { method: "POST", body: { username: "x", password: "long-enough", admin: true } }),
      400,
      "invalid_request",
    );
  });
});

describe("admin API: clients", () => {
  it("creates a client with a generated secret that works at once, shows no hashes, rotates and deletes it", async () => {
    const res = await adminFetch("/clients", {
      method: "POST",
      body: {
        client_name: "Batch job",
        grant_types: ["client_credentials"],
        scope: "weather",
        token_endpoint_auth_method: "client_secret_basic",
      },
    });
    expect(res.status).toBe(201);
    const client = await res.json<{ client_id: string; client_secret: string }>();
    expect(client.client_secret.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    expect(JSON.stringify(client)).not.toContain("client_secret_hash");
    expect((await clientCredentials(client.client_id, client.client_secret, "weather")).status).toBe(200);

    const rotated = await (
      await adminFetch(`/clients/${client.client_id}/secret`, { method: "POST" })
    ).json<{ client_secret: string }>();
    expect(rotated.client_secret).not.toBe(client.client_secret);
    expect((await clientCredentials(client.client_id, client.client_secret, "weather")).status).toBe(401);
    const tokens = await (await clientCredentials(client.client_id, rotated.client_secret, "weather")).json<Tokens>();
    expect(tokens.access_token).toBeTruthy();

    const listed = await (await adminFetch("/clients")).json<{ clients: { client_id: string }[] }>();
    expect(listed.clients.map((c) => c.client_id)).toContain(client.client_id);

    expect((await adminFetch(`/clients/${client.client_id}`, { method: "DELETE" })).status).toBe(204);
    expect((await clientCredentials(client.client_id, rotated.client_secret, "weather")).status).toBe(401);
  });

  it("updates a client and may set admin-only fields", async () => {
    const created = await (
      await adminFetch("/clients", {
        method: "POST",
        body: {
          client_name: "Web",
          redirect_uris: ["https://app.example.com/cb"],
          grant_types: ["authorization_code"],
          scope: "openid",
        },
      })
    ).json<{ client_id: string }>();
    const res = await adminFetch(`/clients/${created.client_id}`, {
      method: "PUT",
      body: {
        client_name: "Web 2",
        redirect_uris: ["https://app.example.com/cb"],
        grant_types: ["authorization_code"],
        scope: "openid profile",
        skip_consent: true,
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ client_name: "Web 2", scope: "openid profile", skip_consent: true });
  });

  it("refuses invalid metadata", async () => {
    const res = await adminFetch("/clients", {
      method: "POST",
      body: {
        client_name: "Bad",
        redirect_uris: ["http://evil.example.com/cb#frag"],
        grant_types: ["authorization_code"],
      },
    });
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
  });
});

describe("admin API: keys", () => {
  it("lists public key information only, and rotates on demand", async () => {
    const before = await (await adminFetch("/keys")).json<{ keys: Record<string, unknown>[] }>();
    expect(before.keys.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(before)).not.toMatch(/"d":|encryptedPrivateJwk/);
    const rotated = await adminFetch("/keys/rotate", { method: "POST" });
    expect(rotated.status).toBe(200);
    const after = await rotated.json<{ keys: { kid: string }[] }>();
    expect(after.keys.length).toBeGreaterThan(before.keys.length);
  });
});
