// The UserInfo response body (OIDC Core §5.3.2): plain JSON, or a JWT signed and/or encrypted as the client
// registered (userinfo_signed_response_alg, userinfo_encrypted_response_alg/enc).
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import { encryptForClient, userinfoEncryption } from "./encrypt";
import { signJwt } from "./sign";

export interface UserinfoBody {
  contentType: "application/json" | "application/jwt";
  body: string;
}

export async function userinfoResponse(
  env: Env,
  client: Client,
  claims: Record<string, unknown>,
): Promise<UserinfoBody> {
  const signAlg = client.userinfo_signed_response_alg;
  const encryption = userinfoEncryption(client);
  if (!signAlg && !encryption) return { contentType: "application/json", body: JSON.stringify(claims) };
  // "If signed, the UserInfo Response SHOULD contain the Claims iss (issuer) and aud (audience) as members."
  const jwt = signAlg
    ? await signJwt(env, signAlg, "JWT", { ...claims, iss: env.ISSUER, aud: client.client_id })
    : JSON.stringify(claims);
  // "If both signing and encryption are requested, the response MUST be signed then encrypted, with the result
  // being a Nested JWT"; "The response MAY be encrypted without also being signed."
  const body = encryption ? await encryptForClient(client, encryption, jwt, signAlg !== undefined) : jwt;
  // "the content-type MUST be application/jwt".
  return { contentType: "application/jwt", body };
}
