// Test helpers for JWT client authentication: real key pairs and clients saved through the registry, and
// assertions built the way a client library builds them (RFC 7523 §2.2).
import { env, exports } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { saveClient } from "../../src/clients/registry";
import type { Client, ClientInput } from "../../src/clients/schema";
import { secretFields } from "../../src/clients/secrets";
import { nowSeconds } from "../../src/clock";
import { ISSUER, tokenRequest } from "../helpers";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const TOKEN_ENDPOINT = `${ISSUER}/token`;

export type AsymmetricAlg = "RS256" | "PS256" | "ES256" | "EdDSA";

export interface SigningKey {
  alg: string;
  privateKey: CryptoKey | Uint8Array;
  kid?: string;
}

export interface KeyPair extends SigningKey {
  privateKey: CryptoKey;
  kid: string;
  publicJwk: JWK;
}

export async function keyPair(alg: AsymmetricAlg): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = crypto.randomUUID();
  return { alg, privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

const serviceClient = (clientId: string): ClientInput => ({
  v: 1,
  client_id: clientId,
  token_endpoint_auth_method: "private_key_jwt",
  redirect_uris: [],
  grant_types: ["client_credentials"],
  response_types: [],
  scope: "weather",
});

/** A private_key_jwt service client whose registered jwks holds the given public keys. */
export async function privateKeyJwtClient(keys: KeyPair[], extra: Partial<ClientInput> = {}): Promise<Client> {
  const clientId = `pkjwt-${crypto.randomUUID()}`;
  return saveClient(env, {
    ...serviceClient(clientId),
    jwks: { keys: keys.map((k) => ({ ...k.publicJwk })) },
    ...extra,
  });
}

/** A client_secret_jwt service client; its secret is stored recoverably, as registration stores it. */
export async function secretJwtClient(extra: Partial<ClientInput> = {}): Promise<{ client: Client; secret: string }> {
  const clientId = `csjwt-${crypto.randomUUID()}`;
  const secret = `secret-${crypto.randomUUID()}`;
  const base: ClientInput = { ...serviceClient(clientId), token_endpoint_auth_method: "client_secret_jwt", ...extra };
  const client = await saveClient(env, { ...base, ...(await secretFields(env, base, secret)) });
  return { client, secret };
}

export function hmacKey(secret: string): SigningKey {
  return { alg: "HS256", privateKey: new TextEncoder().encode(secret) };
}

/** Claims default to a valid assertion for `clientId` at the token endpoint; `undefined` removes a claim. */
export async function assertion(clientId: string, key: SigningKey, claims: JWTPayload = {}): Promise<string> {
  const now = nowSeconds();
  const all: JWTPayload = {
    iss: clientId,
    sub: clientId,
    aud: TOKEN_ENDPOINT,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  };
  return signedWithout(all, key);
}

/** `claims` signed by `key` (its kid in the header), claims set to undefined left out; `header` adds members. */
export function signedWithout(
  claims: JWTPayload,
  key: SigningKey,
  header: Record<string, string> = {},
): Promise<string> {
  const payload: JWTPayload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, ...(key.kid ? { kid: key.kid } : {}), ...header })
    .sign(key.privateKey);
}

export function assertionForm(clientAssertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return { client_assertion_type: JWT_BEARER, client_assertion: clientAssertion, ...extra };
}

/** client_credentials at /token, authenticated by the assertion alone. */
export function clientCredentialsWith(clientAssertion: string, extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest({ grant_type: "client_credentials", ...assertionForm(clientAssertion, extra) });
}

/** POST a form to one of the provider's endpoints (introspect, revoke). */
export function postForm(path: string, form: Record<string, string>, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization) headers.authorization = authorization;
  return exports.default.fetch(`${ISSUER}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
}
