// ID tokens (OIDC Core §2, §3.1.3.6, §12.2): signed with the algorithm the client registered (a provider key, or
// HS256 with its secret, §10.1), then encrypted to the client when it registered an encryption key (§10.2).
import { base64url, type JWTPayload } from "jose";
import { nowSeconds } from "../clock";
import { lifetime, type Client } from "../clients/schema";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { algorithms, type JwsAlgorithm } from "../keys/algorithms";
import { encryptForClient, idTokenEncryption } from "./encrypt";
import { signJwtForClient } from "./sign";
import { sidFor } from "./subject";

export interface IdTokenOptions {
  /** OIDC Core §12.2: an ID token from a refresh SHOULD NOT carry a nonce. */
  includeNonce: boolean;
  /** The sub this client sees: public or pairwise (src/tokens/subject.ts). */
  subject: string;
  /** Claims asked for with the `claims` parameter (§5.5) and the client's custom claims; never override the above. */
  extraClaims: Record<string, unknown>;
}

export async function issueIdToken(
  env: Env,
  client: Client,
  grant: GrantView,
  accessToken: string,
  options: IdTokenOptions,
): Promise<string> {
  const alg = client.id_token_signed_response_alg;
  const signed = await signJwtForClient(
    env,
    client,
    alg,
    "JWT",
    await idTokenClaims(env, client, grant, accessToken, alg, options),
  );
  const encryption = idTokenEncryption(client);
  return encryption ? encryptForClient(client, encryption, signed, true) : signed;
}

async function idTokenClaims(
  env: Env,
  client: Client,
  grant: GrantView,
  accessToken: string,
  alg: JwsAlgorithm,
  options: IdTokenOptions,
): Promise<JWTPayload> {
  const iat = nowSeconds();
  return {
    ...options.extraClaims,
    iss: env.ISSUER,
    sub: options.subject,
    aud: client.client_id,
    // OIDC Core §2: azp is the party to which the ID token was issued.
    azp: client.client_id,
    iat,
    exp: iat + lifetime(client, "idToken"),
    ...(grant.authTime === undefined ? {} : { auth_time: grant.authTime }),
    // OIDC Core §3.1.3.6 (via §2): nonce is present exactly when the authorization request had one.
    ...(options.includeNonce && grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    at_hash: await halfHash(alg, accessToken),
    ...(grant.amr === undefined ? {} : { amr: grant.amr }),
    ...(grant.acr === undefined ? {} : { acr: grant.acr }),
    // OIDC Back-Channel Logout 1.0 §2.1 / Front-Channel Logout §3: sid names the browser session the grant came from,
    // as this client sees it (per sector for pairwise clients, OIDC Core §8).
    ...(grant.sid === undefined ? {} : { sid: await sidFor(env, client, grant.sid) }),
  };
}

/**
 * OIDC Core §3.1.3.6: base64url of the left-most half of the hash of the ASCII token, "where the hash algorithm
 * used is the hash algorithm used in the alg Header Parameter of the ID Token's JOSE Header" (SHA-256 for HS256).
 */
async function halfHash(alg: JwsAlgorithm, value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(algorithms[alg].hash, new TextEncoder().encode(value)));
  return base64url.encode(digest.slice(0, digest.length / 2));
}
