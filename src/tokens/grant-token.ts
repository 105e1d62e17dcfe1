// Codes and token handles of the form `<grant-id>.<secret>`: the id routes to the Grant Durable Object,
// the secret proves possession; only SHA-256 of the secret is stored.
import type { Env } from "../env";
import { sha256Base64url } from "../lib/crypto";
import { objects } from "../storage";

export interface GrantHandle {
  id: DurableObjectId;
  secret: string;
}

/** The handle, or null when the value is not shaped like one of ours. */
export function parseHandle(env: Env, value: string): GrantHandle | null {
  const match = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{43})$/.exec(value);
  const id = match?.[1] ? objects.grantIdFromHex(env, match[1]) : null;
  return id && match?.[2] ? { id, secret: match[2] } : null;
}

export const hashSecret = (secret: string) => sha256Base64url(secret);
