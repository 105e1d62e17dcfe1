// Reads client records from KV through a short isolate-memory cache.
import * as v from "valibot";
import { config } from "../config";
import type { Env } from "../env";
import { IsolateCache } from "../lib/isolate-cache";
import { kv, objects, storableId } from "../storage";
import { ClientRecord, type Client, type ClientInput } from "./schema";

/** Unknown clients are cached too (null), so a flood of bogus client_ids does not become a flood of KV reads. */
const cache = new IsolateCache<Client | null>();

/**
 * The client, or null when unknown. Stored data is parsed, never cast. `fresh` skips the
 * isolate cache: management paths read-modify-write and must not start from a copy up to a minute old.
 */
export async function findClient(
  env: Env,
  clientId: string,
  options: { fresh?: boolean } = {},
): Promise<Client | null> {
  if (!storableId(clientId)) return null;
  const hit = options.fresh ? undefined : cache.get(clientId);
  if (hit !== undefined) return hit;
  const raw = await env.CLIENTS.get(kv.client(clientId), "json");
  const client = raw === null ? null : parseClient(raw, clientId);
  cache.set(clientId, client);
  return client;
}

function parseClient(raw: unknown, clientId: string): Client | null {
  const result = v.safeParse(ClientRecord, raw);
  if (!result.success) {
    console.error("client record failed validation", clientId);
    return null;
  }
  return result.output;
}

/** Validates (filling defaults) and stores a client record. */
export async function saveClient(env: Env, input: ClientInput): Promise<Client> {
  const client = v.parse(ClientRecord, input);
  await env.CLIENTS.put(kv.client(client.client_id), JSON.stringify(client));
  cache.delete(client.client_id);
  return client;
}

/**
 * Deletes the client: first every token and grant issued to it is revoked (its ClientState objects, RFC 7592
 * §2.3), then the record goes.
 */
export async function deleteClient(env: Env, clientId: string): Promise<void> {
  await objects.clientState(env, clientId).revokeEverything(clientId, config.clientStateShards);
  await env.CLIENTS.delete(kv.client(clientId));
  cache.delete(clientId);
}
