// Test clients for the ID-token options (signing, encryption, pairwise subjects, custom claims), registered with
// saveClient and secretFields exactly as the registry stores them, and the flows to get their tokens.
import { env, exports } from "cloudflare:workers";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { expect } from "vitest";
import { saveClient } from "../../src/clients/registry";
import type { ClientInput } from "../../src/clients/schema";
import { secretFields } from "../../src/clients/secrets";
import { Browser, DEMO_REDIRECT, ISSUER, basic, codeFor, redeem, type AuthorizeOptions, type Tokens } from "../helpers";

/** A 256-bit secret, as the provider generates them. */
export const SECRET = "Zq3n0c8h2Jv4yXw7Lr5tKd1mPb6sFg9eAu0oWi3ReYk";

export type ClientOptions = Partial<ClientInput> & { client_id: string };

/** A confidential code-flow client without consent, stored with its secret (recoverably when HS256 needs it). */
export async function registerClient(options: ClientOptions): Promise<void> {
  const client: ClientInput = {
    v: 1,
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: [DEMO_REDIRECT],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    scope: "openid profile email offline_access",
    skip_consent: true,
    ...options,
  };
  await saveClient(env, { ...client, ...(await secretFields(env, client, SECRET)) });
}

/** Tokens through the real code flow (spoon signs in) for a registered client. */
export async function tokensFor(
  clientId: string,
  options: AuthorizeOptions = {},
  browser = new Browser(),
): Promise<Tokens> {
  const redirectUri = options.redirect_uri ?? DEMO_REDIRECT;
  const code = await codeFor(browser, {
    client_id: clientId,
    scope: "openid profile email",
    ...options,
    redirect_uri: redirectUri,
  });
  const res = await redeem(code, { redirect_uri: redirectUri }, basic(clientId, SECRET));
  expect(res.status).toBe(200);
  return res.json<Tokens>();
}

/** A client's encryption key pair: the public JWK to register, the private key to decrypt with. */
export async function encryptionKeyPair(
  alg: "RSA-OAEP-256" | "ECDH-ES+A256KW",
  jwk: JWK = {},
): Promise<{ publicJwk: JWK; privateKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === "ECDH-ES+A256KW" ? { crv: "P-256" } : {});
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- jose returns a Web Crypto CryptoKey
  return { publicJwk: { ...(await exportJWK(publicKey)), ...jwk }, privateKey };
}

/** A signing key a client might also register (private_key_jwt): it must never be used to encrypt. */
export async function signingJwk(): Promise<JWK> {
  const { publicKey } = await generateKeyPair("RS256");
  return { ...(await exportJWK(publicKey)), use: "sig", alg: "RS256", kid: "client-sig" };
}

export const userinfoFetch = (accessToken: string) =>
  exports.default.fetch(`${ISSUER}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
