// Clients whose keys live at a jwks_uri (RFC 7591 §2), fetched for real over HTTP from a loopback server.
import { compactDecrypt } from "jose";
import { describe, expect, inject, it } from "vitest";
import { verifyWithJwks } from "../helpers";
import { encryptionKeyPair, registerClient, tokensFor } from "../tokens/fixtures";
import { assertion, clientCredentialsWith, keyPair, privateKeyJwtClient } from "./assertions";

async function publish(name: string, keys: object[]): Promise<string> {
  const uri = `${inject("jwksBase")}/${name}`;
  const res = await fetch(uri, { method: "PUT", body: JSON.stringify({ keys }) });
  expect(res.status).toBe(204);
  return uri;
}

describe("jwks_uri", () => {
  it("private_key_jwt with the client's keys at its jwks_uri", async () => {
    const key = await keyPair("ES256");
    const jwksUri = await publish(`pk-${crypto.randomUUID()}`, [key.publicJwk]);
    const client = await privateKeyJwtClient([], { jwks: undefined, jwks_uri: jwksUri });
    expect((await clientCredentialsWith(await assertion(client.client_id, key))).status).toBe(200);
    const stranger = await keyPair("ES256");
    expect((await clientCredentialsWith(await assertion(client.client_id, stranger))).status).toBe(401);
  });

  it("encrypted ID tokens to the key at the client's jwks_uri", async () => {
    const enc = await encryptionKeyPair("RSA-OAEP-256", { use: "enc", kid: "remote-enc" });
    const jwksUri = await publish(`enc-${crypto.randomUUID()}`, [enc.publicJwk]);
    await registerClient({
      client_id: "jwe-remote",
      jwks_uri: jwksUri,
      id_token_encrypted_response_alg: "RSA-OAEP-256",
      id_token_encrypted_response_enc: "A256GCM",
    });
    const tokens = await tokensFor("jwe-remote");
    const { plaintext, protectedHeader } = await compactDecrypt(tokens.id_token ?? "", enc.privateKey);
    expect(protectedHeader.kid).toBe("remote-enc");
    expect((await verifyWithJwks(new TextDecoder().decode(plaintext), "jwe-remote")).aud).toBe("jwe-remote");
  });
});
