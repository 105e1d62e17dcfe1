// The identifiers a client sees (OIDC Core §8): the user's local sub and the session's sid for public clients, or
// values of their own per sector identifier for pairwise clients. The Grant object and the Account keep the local
// sub and sid; the mapping happens where a token, a userinfo or introspection answer, or a logout token is built,
// and where an id_token_hint is compared with the session, so every place agrees for a given client.
import { base64url } from "jose";
import { findClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import { sectorIdentifier } from "../clients/sector";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { derivedKey } from "../lib/crypto";

const SALT_PURPOSE = "edge-oidc pairwise subject salt v1";
const SID_PURPOSE = "edge-oidc pairwise sid v1";
const HMAC = { name: "HMAC", hash: "SHA-256" };
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
 * The sid this client sees for a session: itself, or for a pairwise client base64url(HMAC-SHA256(key, sector ||
 * 0x00 || sid)), the key HKDF-derived from KEY_ENCRYPTION_SECRET (like the sub's salt, so that it outlives a change
 * of SESSION_SECRET: a logout token then still names the session as the ID tokens did). OIDC Core §8: pairwise
 * identifiers exist so that clients of two sectors cannot correlate a user; one sid shared by every client of a
 * session would let them join their users on it. The ID token (Back-Channel Logout §2.1), the logout token (§2.4)
 * and the id_token_hint check at /logout all use this one function, so for a client they agree.
 */
export async function sidFor(env: Env, client: Client, sid: string): Promise<string> {
  if (client.subject_type !== "pairwise") return sid;
  const sector = sectorIdentifier(client);
  // Derived once per isolate (derivedKey caches it per purpose).
  const key = await derivedKey("KEY_ENCRYPTION_SECRET", env.KEY_ENCRYPTION_SECRET, SID_PURPOSE, HMAC, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${sector}\u0000${sid}`));
  return base64url.encode(new Uint8Array(mac));
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
