// Codes and token handles of the form `<grant-id>.<secret>`: the id routes to the Grant Durable Object,
// the secret proves possession; only SHA-256 of the secret is stored.
import type { Env } from "../env";
import { randomToken, sha256Base64url } from "../lib/crypto";

export interface GrantHandle {
  id: DurableObjectId;
  secret: string;
}

export function mintHandle(id: DurableObjectId): GrantHandle & { value: string } {
  const secret = randomToken();
  return { id, secret, value: `${id.toString()}.${secret}` };
}

/** The handle, or null when the value is not shaped like one of ours. */
export function parseHandle(env: Env, value: string): GrantHandle | null {
  const match = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match?.[1] || !match[2]) return null;
  try {
    return { id: env.GRANT.idFromString(match[1]), secret: match[2] };
  } catch {
    return null;
  }
}

export const hashSecret = (secret: string) => sha256Base64url(secret);
