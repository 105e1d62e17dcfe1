// End-to-end: the admin CLI (scripts/admin.ts) against `wrangler dev`, and what it creates used for real.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import * as client from "openid-client";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const issuer = inject("issuer");
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

async function admin(...args: string[]): Promise<string> {
  const { stdout } = await run(
    resolve(ROOT, "node_modules/.bin/tsx"),
    ["scripts/admin.ts", "--url", issuer, "--token", "dev-admin-token", ...args],
    {
      cwd: ROOT,
      timeout: 30_000,
    },
  );
  return stdout;
}

async function publicJwk(): Promise<JWK> {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(publicKey)), alg: "ES256", use: "sig" };
}

describe("admin CLI", () => {
  it("creates a client (--json) whose secret works at the token endpoint through openid-client", async () => {
    const created: unknown = JSON.parse(
      await admin(
        "--json",
        "clients",
        "create",
        "--name",
        "CLI batch",
        "--grant-type",
        "client_credentials",
        "--scope",
        "weather",
      ),
    );
    expect(created).toMatchObject({ client_name: "CLI batch", grant_types: ["client_credentials"] });
    const { client_id: clientId, client_secret: secret } = created as { client_id: string; client_secret: string };
    const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config, { scope: "weather" });
    expect(tokens.scope).toBe("weather");

    const table = await admin("clients", "list");
    expect(table.split("\n")[0]).toMatch(/^client_id\s+client_name/);
    expect(table).toContain(clientId);

    // `--` ends the options: a generated client_id may start with "-".
    await admin("clients", "delete", "--", clientId);
    // 401 invalid_client with a WWW-Authenticate challenge (RFC 6749 §5.2), which openid-client surfaces as such.
    await expect(client.clientCredentialsGrant(config, { scope: "weather" })).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ scheme: "basic" })],
    });
  });

  it("creates a web client with its logout URIs", async () => {
    const created: unknown = JSON.parse(
      await admin(
        "--json",
        "clients",
        "create",
        "--name",
        "CLI web",
        "--redirect-uri",
        "https://app.example.com/cb",
        "--post-logout-redirect-uri",
        "https://app.example.com/",
        "--backchannel-logout-uri",
        "https://app.example.com/backchannel-logout",
      ),
    );
    expect(created).toMatchObject({
      post_logout_redirect_uris: ["https://app.example.com/"],
      backchannel_logout_uri: "https://app.example.com/backchannel-logout",
    });
  });

  it("sets and changes a client's DPoP, PAR and request-object settings", async () => {
    const created = JSON.parse(
      await admin(
        "--json",
        "clients",
        "create",
        // Request objects are verified with the client's keys: a client naming their algorithm registers keys.
        "--metadata",
        JSON.stringify({
          client_name: "CLI protected",
          redirect_uris: ["https://app.example.com/cb"],
          jwks: { keys: [await publicJwk()] },
        }),
        "--dpop-bound",
        "true",
        "--require-par",
        "true",
        "--request-object-signing-alg",
        "ES256",
      ),
    ) as { client_id: string };
    expect(created).toMatchObject({
      dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
      request_object_signing_alg: "ES256",
    });
    const updated: unknown = JSON.parse(
      // Generated client ids may begin with '-': positionals go after "--", as the usage says.
      await admin(
        "--json",
        "--require-par",
        "false",
        "--request-object-signing-alg",
        "none",
        "--",
        "clients",
        "update",
        created.client_id,
      ),
    );
    // Only the flagged settings changed.
    expect(updated).toMatchObject({
      client_name: "CLI protected",
      redirect_uris: ["https://app.example.com/cb"],
      dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: false,
    });
    expect(updated).not.toHaveProperty("request_object_signing_alg");
    await expect(admin("--dpop-bound", "yes", "--", "clients", "update", created.client_id)).rejects.toThrow(
      /--dpop-bound wants true or false/,
    );
  });

  it("creates a user who can then sign in, and lists and rotates keys", async () => {
    const out = await admin(
      "users",
      "create",
      "--username",
      "cli-user",
      "--password",
      "cli-password-1",
      "--claim",
      "name=Cli User",
      "--claim",
      "email_verified=true",
    );
    expect(out).toMatch(/username\s+cli-user/);
    const config = await client.discovery(new URL(issuer), "demo", undefined, client.ClientSecretBasic("demo-secret"), {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.genericGrantRequest(config, "password", {
      username: "cli-user",
      password: "cli-password-1",
      scope: "openid profile",
    });
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? "");
    expect(info.name).toBe("Cli User");

    const keys = await admin("keys", "list");
    expect(keys.split("\n")[0]).toMatch(/kid\s+alg\s+status/);
    const rotated: unknown = JSON.parse(await admin("--json", "keys", "rotate"));
    expect(rotated).toHaveProperty("keys");
  });

  it("users sign-out ends the user's grants at once (refresh, userinfo, introspection); users delete too", async () => {
    const created: unknown = JSON.parse(
      await admin("--json", "users", "create", "--username", "signout-user", "--password", "signout-password-1"),
    );
    const { sub } = created as { sub: string };
    const config = await client.discovery(new URL(issuer), "demo", undefined, client.ClientSecretBasic("demo-secret"), {
      execute: [client.allowInsecureRequests],
    });
    const signIn = () =>
      client.genericGrantRequest(config, "password", {
        username: "signout-user",
        password: "signout-password-1",
        scope: "openid offline_access",
      });
    const expectEnded = async (tokens: client.TokenEndpointResponse) => {
      await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
        error: "invalid_grant",
      });
      await expect(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck)).rejects.toBeTruthy();
      expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    };

    const first = await signIn();
    expect((await client.tokenIntrospection(config, first.access_token)).active).toBe(true);
    expect(await admin("users", "sign-out", sub)).toMatch(/grants\s+1/);
    await expectEnded(first);
    const second = await client.refreshTokenGrant(config, (await signIn()).refresh_token ?? "");
    expect(second.refresh_token).toBeTruthy();
    await admin("users", "delete", "--", sub);
    await expectEnded(second);
  });

  it("lists a user's sign-in factors, resets the second factor, and says when a passkey is unknown", async () => {
    const username = `factor-user-${crypto.randomUUID().slice(0, 8)}`;
    const created: unknown = JSON.parse(
      await admin("--json", "users", "create", "--username", username, "--password", "factor-password-1"),
    );
    const { sub } = created as { sub: string };
    expect(JSON.parse(await admin("--json", "users", "factors", "--", sub))).toEqual({
      totp: false,
      recoveryCodesLeft: 0,
      passkeys: [],
    });
    const reset: unknown = JSON.parse(await admin("--json", "--passkeys", "users", "reset-second-factor", "--", sub));
    expect(reset).toEqual({ removedPasskeys: 0 });
    await expect(admin("users", "remove-passkey", "--", sub, "no-such-credential")).rejects.toThrow(/no such passkey/);
  });

  it("fails clearly with a wrong token", async () => {
    await expect(
      run(
        resolve(ROOT, "node_modules/.bin/tsx"),
        ["scripts/admin.ts", "--url", issuer, "--token", "wrong", "clients", "list"],
        { cwd: ROOT },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("401") as string });
  });
});
