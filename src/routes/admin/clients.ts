// Admin API: clients (list, create, read, update, delete, new secret). Metadata is validated by the same
// rules as dynamic registration, with the admin-only fields (skip_consent, resource_server, lifetimes) allowed.
import { isAccountClient } from "../../authorization/account-client";
import { Hono } from "hono";
import { clientFromMetadata } from "../../clients/metadata";
import { deleteClient, findClient, saveClient } from "../../clients/registry";
import { ClientRecord, type Client } from "../../clients/schema";
import { issueClientSecret } from "../../clients/secrets";
import type { AppEnv, Env } from "../../env";
import { audit } from "../../lib/audit";
import { requestRefused, invalidRequest } from "../../errors";
import { kv } from "../../storage";
import { jsonObject, listRecords } from "./io";

export const adminClients = new Hono<AppEnv>();

/** A client as the admin API shows it: never the secret's hash, its encrypted form or registration hashes. */
function publicClient(client: Client) {
  const { client_secret_hash: _h, client_secret_encrypted: _e, registration_access_token_hash: _r, ...rest } = client;
  return rest;
}

adminClients.get("/", async (c) => {
  const clients = await listRecords(c.env.CLIENTS, kv.clientPrefix, ClientRecord);
  return c.json({ clients: clients.map(publicClient) });
});

adminClients.post("/", async (c) => {
  const metadata = await jsonObject(c);
  const clientId = typeof metadata.client_id === "string" ? metadata.client_id : undefined;
  // The account page's built-in client id is never a registered client's.
  if (clientId && (isAccountClient(clientId) || (await findClient(c.env, clientId, { fresh: true })))) {
    throw requestRefused(409, "client_id already exists");
  }
  const { client, secret } = await clientFromMetadata(c.env, metadata, {
    ...(clientId ? { clientId } : {}),
    admin: true,
  });
  const saved = await saveClient(c.env, client);
  audit({ event: "client.created", clientId: saved.client_id, by: "admin" });
  return c.json({ ...publicClient(saved), ...(secret ? { client_secret: secret } : {}) }, 201);
});

adminClients.get("/:id", async (c) => c.json(publicClient(await existingClient(c.env, c.req.param("id")))));

adminClients.put("/:id", async (c) => {
  const existing = await existingClient(c.env, c.req.param("id"));
  const metadata = await jsonObject(c);
  const { client, secret } = await clientFromMetadata(c.env, metadata, {
    clientId: existing.client_id,
    admin: true,
    existing,
  });
  const saved = await saveClient(c.env, client);
  audit({ event: "client.updated", clientId: saved.client_id, by: "admin" });
  return c.json({ ...publicClient(saved), ...(secret ? { client_secret: secret } : {}) });
});

adminClients.delete("/:id", async (c) => {
  const { client_id: clientId } = await existingClient(c.env, c.req.param("id"));
  await deleteClient(c.env, clientId);
  audit({ event: "client.deleted", clientId, by: "admin" });
  return c.body(null, 204);
});

/**
 * A new secret replaces the old one; it is shown only in this response. Other locations may accept the old one
 * until their cached copy of the client expires (KV propagation plus the 60 s isolate cache).
 */
adminClients.post("/:id/secret", async (c) => {
  const client = await existingClient(c.env, c.req.param("id"));
  const { secret, fields } = await issueClientSecret(c.env, client);
  if (!secret) throw invalidRequest("this client uses no secret");
  const saved = await saveClient(c.env, { ...client, ...fields });
  audit({ event: "client.secret_rotated", clientId: saved.client_id, by: "admin" });
  return c.json({ ...publicClient(saved), client_secret: secret });
});

async function existingClient(env: Env, clientId: string): Promise<Client> {
  const client = await findClient(env, clientId, { fresh: true });
  if (!client) throw requestRefused(404, "no such client");
  return client;
}
