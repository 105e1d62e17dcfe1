// client_secret_basic and client_secret_post (RFC 6749 §2.3.1): the presented secret against its stored hash.
import { base64url } from "jose";
import { sha256 } from "../lib/crypto";
import type { Client } from "./schema";

/** One digest and a constant-time comparison of the two 32-byte hashes (this is on every token request). */
export async function secretMatches(client: Client, secret: string): Promise<boolean> {
  if (!client.client_secret_hash) return false;
  let stored: Uint8Array;
  try {
    stored = base64url.decode(client.client_secret_hash);
  } catch {
    return false;
  }
  const presented = await sha256(secret);
  return stored.length === presented.length && crypto.subtle.timingSafeEqual(presented, stored);
}
