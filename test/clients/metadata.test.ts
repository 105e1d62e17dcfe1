import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientFromMetadata } from "../../src/clients/metadata";
import { saveClient } from "../../src/clients/registry";
import { OAuthError } from "../../src/errors";

const web = { redirect_uris: ["https://app.example.com/cb"] };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof OAuthError)) throw new Error("expected an OAuthError");
  return err.error;
}

describe("clientFromMetadata (shared by registration and the admin API)", () => {
  it("lets an administrator set the admin-only fields and choose the client_id", async () => {
    const { client, secret } = await clientFromMetadata(
      env,
      {
        ...web,
        client_id: "partner-app",
        skip_consent: true,
        resource_server: "urn:example:api",
        lifetimes: { accessToken: 600 },
      },
      { clientId: "partner-app", admin: true },
    );
    expect(client).toMatchObject({
      client_id: "partner-app",
      skip_consent: true,
      resource_server: "urn:example:api",
      lifetimes: { accessToken: 600 },
    });
    expect(client.client_secret_hash).toBeDefined();
    expect(client.client_secret_encrypted).toBeUndefined();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await saveClient(env, client)).toMatchObject({ client_id: "partner-app" });
  });

  it("refuses the admin-only fields to dynamic registration", async () => {
    expect(await refusal(clientFromMetadata(env, { ...web, skip_consent: true }, { admin: false }))).toBe(
      "invalid_client_metadata",
    );
  });

  it("validates admin-only values and admin-chosen client ids too", async () => {
    expect(await refusal(clientFromMetadata(env, { ...web, lifetimes: { accessToken: -1 } }, { admin: true }))).toBe(
      "invalid_client_metadata",
    );
    expect(await refusal(clientFromMetadata(env, web, { clientId: "has space", admin: true }))).toBe(
      "invalid_client_metadata",
    );
    expect(await refusal(clientFromMetadata(env, { ...web, client_id: "a" }, { clientId: "b", admin: true }))).toBe(
      "invalid_client_metadata",
    );
    expect(await refusal(clientFromMetadata(env, [web], { admin: true }))).toBe("invalid_client_metadata");
    expect(await refusal(clientFromMetadata(env, { redirect_uris: ["https://x.example/#"] }, { admin: true }))).toBe(
      "invalid_redirect_uri",
    );
  });

  it("on update keeps the id, issue time, secret and registration token hash; an admin update replaces admin fields", async () => {
    const created = await clientFromMetadata(env, { ...web, skip_consent: true }, { admin: true });
    const existing = await saveClient(env, { ...created.client, registration_access_token_hash: "hash" });
    const updated = await clientFromMetadata(env, { ...web, client_name: "New" }, { admin: true, existing });
    expect(updated.secret).toBeUndefined();
    expect(updated.client).toMatchObject({
      client_id: existing.client_id,
      client_id_issued_at: existing.client_id_issued_at,
      client_secret_hash: existing.client_secret_hash,
      registration_access_token_hash: "hash",
      client_name: "New",
    });
    expect(updated.client.skip_consent).toBe(false); // replaced: omitted means the default
  });

  it("keeps the secret recoverable when HS256 ID tokens need it, issuing a new one if only a hash exists", async () => {
    const created = await clientFromMetadata(env, web, { admin: true });
    const existing = await saveClient(env, created.client);
    const hs = await clientFromMetadata(
      env,
      { ...web, id_token_signed_response_alg: "HS256" },
      { admin: true, existing },
    );
    expect(hs.secret).toBeDefined();
    expect(hs.client.client_secret_encrypted).toBeDefined();
  });
});
