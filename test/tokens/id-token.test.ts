import { env } from "cloudflare:workers";
import { base64url, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import type { SigningAlgorithm } from "../../src/config";
import { kv } from "../../src/storage";
import { Browser, basic, codeFor, redeem, verifyWithJwks } from "../helpers";
import { SECRET, registerClient } from "./fixtures";

const hashes: Record<SigningAlgorithm, "SHA-256" | "SHA-512"> = {
  RS256: "SHA-256",
  PS256: "SHA-256",
  ES256: "SHA-256",
  EdDSA: "SHA-512",
};

describe("ID token signing algorithm per client", () => {
  for (const alg of ["ES256", "PS256", "EdDSA"] as const) {
    it(`a client registered with ${alg} gets ${alg} ID tokens with the matching at_hash`, async () => {
      const clientId = `alg-${alg.toLowerCase()}`;
      await registerClient({ client_id: clientId, scope: "openid profile", id_token_signed_response_alg: alg });
      const code = await codeFor(new Browser(), { client_id: clientId, scope: "openid" });
      const res = await redeem(code, {}, basic(clientId, SECRET));
      expect(res.status).toBe(200);
      const body = await res.json<{ id_token: string; access_token: string }>();
      expect(decodeProtectedHeader(body.id_token).alg).toBe(alg);
      const claims = await verifyWithJwks(body.id_token, clientId);
      const digest = new Uint8Array(
        await crypto.subtle.digest(hashes[alg], new TextEncoder().encode(body.access_token)),
      );
      expect(claims.at_hash).toBe(base64url.encode(digest.slice(0, digest.length / 2)));
    });
  }
});

describe("signing keys at rest", () => {
  it("stores private keys only encrypted", async () => {
    await codeFor(new Browser()); // make sure keys exist
    const raw = await env.KEYS.get(kv.keySet);
    expect(raw).toBeTruthy();
    const stored = JSON.parse(raw ?? "{}") as {
      keys: { encryptedPrivateJwk: string; publicJwk: Record<string, unknown> }[];
    };
    for (const key of stored.keys) {
      expect(key.encryptedPrivateJwk.split(".")).toHaveLength(5); // compact JWE
      expect(key.publicJwk).not.toHaveProperty("d");
    }
    expect(raw).not.toMatch(/"d":/);
  });
});
