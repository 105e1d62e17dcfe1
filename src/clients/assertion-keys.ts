// The keys that verify a client's assertion, one entry per method: the client secret for client_secret_jwt
// (OIDC Core §9 and §10.1: an HMAC keyed with the UTF-8 octets of the secret), the client's registered `jwks`
// or `jwks_uri` for private_key_jwt.
import { createLocalJWKSet, jwtVerify, type JWTVerifyOptions, type JWTVerifyResult } from "jose";
import type { Env } from "../env";
import { invalidClient } from "../errors";
import type { AssertionMethod } from "./auth-methods";
import { remoteKeySet, storedPublicJwks } from "./client-jwks";
import type { Client } from "./schema";
import { recoverClientSecret } from "./secrets";

/** Verifies an assertion's signature and the given claim checks with the client's key(s). */
export type AssertionVerifier = (assertion: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

export const assertionVerifiers: Record<AssertionMethod, (env: Env, client: Client) => Promise<AssertionVerifier>> = {
  client_secret_jwt: secretVerifier,
  private_key_jwt: publicKeyVerifier,
};

async function secretVerifier(env: Env, client: Client): Promise<AssertionVerifier> {
  const secret = await recoverClientSecret(env, client);
  if (secret === null) throw invalidClient("the client has no secret to verify client_secret_jwt");
  const key = new TextEncoder().encode(secret);
  return (assertion, options) => jwtVerify(assertion, key, options);
}

async function publicKeyVerifier(_env: Env, client: Client): Promise<AssertionVerifier> {
  if (client.jwks) {
    const keys = createLocalJWKSet({ keys: storedPublicJwks(client.jwks.keys) });
    return (assertion, options) => jwtVerify(assertion, keys, options);
  }
  if (client.jwks_uri) {
    const keys = remoteKeySet(client.jwks_uri);
    return (assertion, options) => jwtVerify(assertion, keys, options);
  }
  throw invalidClient("the client has registered no keys for private_key_jwt");
}
