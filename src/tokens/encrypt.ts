// Encryption of ID tokens and userinfo responses to the client (OIDC Core §10.2, §16.14): compact JWE with the
// key management algorithm and content encryption the client registered, to its public key.
import { CompactEncrypt } from "jose";
import type { Client } from "../clients/schema";
import { clientEncryptionKey, type KeyManagementAlgorithm } from "../clients/keys";

/** What a client registered for one kind of response (id_token_* or userinfo_*). */
export interface EncryptionChoice {
  alg: KeyManagementAlgorithm;
  /**
   * OIDC Registration §2 makes A128CBC-HS256 the default enc; we only offer A256GCM (discovery says so), so a
   * client that registered alg without enc gets A256GCM, announced in the JWE header as always.
   */
  enc: "A256GCM";
}

export function idTokenEncryption(client: Client): EncryptionChoice | undefined {
  const alg = client.id_token_encrypted_response_alg;
  return alg && { alg, enc: client.id_token_encrypted_response_enc ?? "A256GCM" };
}

export function userinfoEncryption(client: Client): EncryptionChoice | undefined {
  const alg = client.userinfo_encrypted_response_alg;
  return alg && { alg, enc: client.userinfo_encrypted_response_enc ?? "A256GCM" };
}

/**
 * A nested JWT (signed, then encrypted: OIDC Core §10.2 "MUST be signed and then encrypted ... the result being
 * a Nested JWT") carries cty "JWT" (RFC 7519 §5.2); a bare encrypted claims set carries none.
 */
export async function encryptForClient(
  client: Client,
  choice: EncryptionChoice,
  plaintext: string,
  nested: boolean,
): Promise<string> {
  const { key, kid } = await clientEncryptionKey(client, choice.alg);
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({
      alg: choice.alg,
      enc: choice.enc,
      ...(nested ? { cty: "JWT" } : {}),
      ...(kid === undefined ? {} : { kid }),
    })
    .encrypt(key);
}
