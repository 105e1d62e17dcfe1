// Identifiers longer than any we store (a client_id, username, assertion iss, or a path id of registration and the
// admin API) name nothing: each endpoint answers its ordinary "unknown" error, never a 5xx from a KV key that is too
// long (KV keys are limited to 512 bytes).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assertion, clientCredentialsWith, hmacKey, postForm } from "../clients/assertions";
import { ISSUER, authorizeUrl, basic, expectOAuthError, tokenRequest } from "../helpers";

const ADMIN = { authorization: "Bearer dev-admin-token" };
const LONG = ["x".repeat(600), "é".repeat(300), "a".repeat(257)];

describe.each(LONG)("an identifier of %#: never a 5xx", (long) => {
  it("/authorize with that client_id: our error page", async () => {
    const res = await exports.default.fetch(`${ISSUER}${authorizeUrl({ client_id: long })}`, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("location")).toBeNull();
  });

  it("/token, /introspect and /revoke with that client_id: invalid_client", async () => {
    await expectOAuthError(
      await tokenRequest({ grant_type: "client_credentials" }, basic(long, "secret")),
      401,
      "invalid_client",
    );
    await expectOAuthError(
      await tokenRequest({ grant_type: "client_credentials", client_id: long, client_secret: "s" }),
      401,
      "invalid_client",
    );
    await expectOAuthError(await postForm("/introspect", { token: "t" }, basic(long, "secret")), 401, "invalid_client");
    await expectOAuthError(await postForm("/revoke", { token: "t" }, basic(long, "secret")), 401, "invalid_client");
  });

  it("a client assertion with that iss: invalid_client", async () => {
    await expectOAuthError(
      await clientCredentialsWith(await assertion(long, hmacKey("some-secret"))),
      401,
      "invalid_client",
    );
  });

  it("the password grant with that username: invalid_grant", async () => {
    const res = await tokenRequest(
      { grant_type: "password", username: long, password: "pw", scope: "openid" },
      basic("demo", "demo-secret"),
    );
    await expectOAuthError(res, 400, "invalid_grant");
  });

  it("RFC 7592 management of that client_id: 401 (no such client, no token matches)", async () => {
    const res = await exports.default.fetch(`${ISSUER}/register/${encodeURIComponent(long)}`, {
      headers: { authorization: "Bearer some-registration-token" },
    });
    expect(res.status).toBe(401);
  });

  it("the admin API with that id: 404; creating a user with that username: 400", async () => {
    for (const path of [`/admin/clients/${encodeURIComponent(long)}`, `/admin/users/${encodeURIComponent(long)}`]) {
      await expectOAuthError(
        await exports.default.fetch(`${ISSUER}${path}`, { headers: ADMIN }),
        404,
        "invalid_request",
      );
    }
    const created = await exports.default.fetch(`${ISSUER}/admin/users`, {
      method: "POST",
      headers: { ...ADMIN, "content-type": "application/json" },
      body: JSON.stringify({ username: long.slice(0, 255), password: "long-enough-password" }),
    });
    // 255 characters fit the schema, but not once they take more than 256 bytes.
    expect(created.status).toBe(new TextEncoder().encode(long.slice(0, 255)).length > 256 ? 400 : 201);
  });
});
