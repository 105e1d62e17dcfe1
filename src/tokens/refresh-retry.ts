// The successor of a rotated refresh token is kept for the grace window encrypted under the token it
// replaced, so only a client presenting that old token can learn it (and storage alone reveals nothing).
import { CompactEncrypt, compactDecrypt } from "jose";
import { deriveKey } from "../lib/crypto";

const PURPOSE = "edge-oidc refresh retry v1";

const keyFrom = (presentedSecret: string) =>
  deriveKey(presentedSecret, PURPOSE, { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]);

export async function sealSuccessor(presentedSecret: string, nextSecret: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(nextSecret))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .encrypt(await keyFrom(presentedSecret));
}

export async function openSuccessor(presentedSecret: string, sealed: string): Promise<string> {
  const { plaintext } = await compactDecrypt(sealed, await keyFrom(presentedSecret));
  return new TextDecoder().decode(plaintext);
}
