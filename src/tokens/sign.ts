// Signs provider JWTs: with the provider's current key for an algorithm (`kid` always in the header), or, for
// the clients that registered HS256, with the client's own secret (OIDC Core §10.1).
import { SignJWT, type JWTPayload } from "jose";
import { recoverClientSecret } from "../clients/secrets";
import type { Client } from "../clients/schema";
import type { SigningAlgorithm } from "../config";
import type { Env } from "../env";
import { signsWithProviderKey, type JwsAlgorithm } from "../keys/algorithms";
import { signingKey } from "../keys/store";

export async function signJwt(env: Env, alg: SigningAlgorithm, typ: string, payload: JWTPayload): Promise<string> {
  const key = await signingKey(env, alg);
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.key);
}

/** A JWT for one client, signed the way it registered: a provider key, or its secret for HS256. */
export async function signJwtForClient(
  env: Env,
  client: Client,
  alg: JwsAlgorithm,
  typ: string,
  payload: JWTPayload,
): Promise<string> {
  return signsWithProviderKey(alg) ? signJwt(env, alg, typ, payload) : signWithClientSecret(env, client, typ, payload);
}

/**
 * OIDC Core §10.1: "the symmetric signing key used is derived from the client_secret value ... the octets of
 * the UTF-8 representation of the client_secret are used as the key". No kid: the key is the client's.
 */
async function signWithClientSecret(env: Env, client: Client, typ: string, payload: JWTPayload): Promise<string> {
  const secret = await recoverClientSecret(env, client);
  if (!secret) throw new Error(`client ${client.client_id} has no recoverable secret for HS256`);
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ }).sign(new TextEncoder().encode(secret));
}
