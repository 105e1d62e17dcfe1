// ID tokens (OIDC Core §2, §3.1.3.6, §12.2).
import { base64url } from "jose";
import { nowSeconds } from "../clock";
import { lifetime, type Client } from "../clients/schema";
import type { GrantView } from "../durable/grant-state";
import type { Env } from "../env";
import { algorithms } from "../keys/algorithms";
import { signJwt } from "./sign";

export interface IdTokenOptions {
  /** OIDC Core §12.2: an ID token from a refresh SHOULD NOT carry a nonce. */
  includeNonce: boolean;
  /** Claims asked for with the `claims` parameter (§5.5). */
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
  if (alg === "HS256") throw new Error("HS256 ID tokens: see issue #4");
  const iat = nowSeconds();
  return signJwt(env, alg, "JWT", {
    ...options.extraClaims,
    iss: env.ISSUER,
    sub: grant.sub,
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
  });
}

/** OIDC Core §3.1.3.6: base64url of the left-most half of the hash of the ASCII token, hash as the JWS alg. */
async function halfHash(alg: keyof typeof algorithms, value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(algorithms[alg].hash, new TextEncoder().encode(value)));
  return base64url.encode(digest.slice(0, digest.length / 2));
}
