// The subject identifier a client sees (OIDC Core §8): the user's local sub for public clients, or a pairwise
// value per sector identifier. The Grant object keeps the local sub; the mapping happens where a token
// response, userinfo or introspection answer is built, so every place agrees for a given client.
import { base64url } from "jose";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { isLoopback } from "../lib/urls";

const SALT_PURPOSE = "edge-oidc pairwise subject salt v1";
const encoder = new TextEncoder();
let cachedSalt: { secret: string; salt: Promise<Uint8Array> } | undefined;

/** A secret salt, HKDF-derived from KEY_ENCRYPTION_SECRET for this one purpose, computed once per isolate. */
function pairwiseSalt(secret: string): Promise<Uint8Array> {
  if (!secret) throw new Error("KEY_ENCRYPTION_SECRET is not configured");
  if (cachedSalt?.secret !== secret) cachedSalt = { secret, salt: deriveSalt(secret) };
  return cachedSalt.salt;
}

async function deriveSalt(secret: string): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(SALT_PURPOSE) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * OIDC Core §8.1: the sector identifier is the host of the registered sector_identifier_uri, else the host of
 * the redirect_uri; "If there are multiple hostnames in the registered redirect_uris, the Client MUST register
 * a sector_identifier_uri." A host that names no one (a native app's private-use scheme has none; every loopback
 * app shares 127.0.0.1 or localhost, RFC 8252 §7.3) would give unrelated apps the same subs: such a client is a
 * sector of its own, so it shares pairwise subs with no other client unless an administrator gives it a sector.
 */
export function sectorIdentifier(client: Client): string {
  if (client.sector_identifier) return client.sector_identifier;
  const urls = client.redirect_uris.map((uri) => new URL(uri));
  const hosts = new Set(urls.map((url) => url.hostname));
  const [host] = hosts;
  if (hosts.size !== 1 || host === undefined) {
    throw new Error(
      `pairwise client ${client.client_id} needs a sector_identifier (its redirect URIs have ${hosts.size} hosts)`,
    );
  }
  if (host === "" || urls.some(isLoopback)) return `client_id:${client.client_id}`;
  return host;
}

/**
 * OIDC Core §8.1: sub = base64url(SHA-256(sector_identifier || local sub || salt)). A NUL byte separates
 * sector and sub so that no two (sector, sub) pairs concatenate to the same input.
 */
async function pairwiseSubject(env: Env, sector: string, localSub: string): Promise<string> {
  const salt = await pairwiseSalt(env.KEY_ENCRYPTION_SECRET);
  const text = encoder.encode(`${sector}\u0000${localSub}`);
  const input = new Uint8Array(text.length + salt.length);
  input.set(text);
  input.set(salt, text.length);
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", input)));
}

/** The sub this client sees for a user's local sub: itself, or pairwise (OIDC Core §8). */
export async function subjectFor(env: Env, client: Client, localSub: string): Promise<string> {
  if (client.subject_type !== "pairwise") return localSub;
  return pairwiseSubject(env, sectorIdentifier(client), localSub);
}

/**
 * The sub of a grant as its client sees it. A grant without a user (client_credentials: no auth_time, and sub
 * is the client itself, RFC 9068 §2.2) keeps the client_id; a user's sub is mapped even if it happens to equal
 * a client_id.
 */
export function grantSubjectFor(env: Env, client: Client, grant: GrantView): Promise<string> {
  return grant.authTime === undefined ? Promise.resolve(grant.sub) : subjectFor(env, client, grant.sub);
}

/** The client a grant was issued to and the sub it sees, or null when the client no longer exists. */
export async function grantSubject(env: Env, grant: GrantView): Promise<{ client: Client; subject: string } | null> {
  const client = await findClient(env, grant.clientId);
  return client && { client, subject: await grantSubjectFor(env, client, grant) };
}
