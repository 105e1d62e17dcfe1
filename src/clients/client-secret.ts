// client_secret_basic and client_secret_post (RFC 6749 §2.3.1): the presented secret against its stored hash.
import { sha256Base64url, timingSafeEqualStrings } from "../lib/crypto";
import type { Client } from "./schema";

export async function secretMatches(client: Client, secret: string): Promise<boolean> {
  if (!client.client_secret_hash) return false;
  return timingSafeEqualStrings(await sha256Base64url(secret), client.client_secret_hash);
}
