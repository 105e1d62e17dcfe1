import { env } from "cloudflare:test";
import { base64url, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import type { SigningAlgorithm } from "../../src/config";
import { KEYSET_KV_KEY } from "../../src/keys/schema";
import { sha256Base64url } from "../../src/lib/crypto";
import { Browser, DEMO_REDIRECT, basic, codeFor, redeem, verifyWithJwks } from "../helpers";

const hashes: Record<SigningAlgorithm, "SHA-256" | "SHA-512"> = { RS256: "SHA-256", PS256: "SHA-256", ES256: "SHA-256", EdDSA: "SHA-512" };

describe("ID token signing algorithm per client", () => {
  for (const alg of ["ES256", "PS256", "EdDSA"] as const) {
    it(`a client registered with ${alg} gets ${alg} ID tokens with the matching at_hash`, async () => {
      const clientId = `alg-${alg.toLowerCase()}`;
      await saveClient(env, {
        v: 1,
        client_id: clientId,
        client_secret_hash: await sha256Base64url("s3cret"),
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [DEMO_REDIRECT],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        scope: "openid profile",
        id_token_signed_response_alg: alg,
        skip_consent: true,
      });
      const code = await codeFor(new Browser(), { client_id: clientId, scope: "openid" });
      const res = await redeem(code, {}, basic(clientId, "s3cret"));
      expect(res.status).toBe(200);
      const body = await res.json<{ id_token: string; access_token: string }>();
      expect(decodeProtectedHeader(body.id_token).alg).toBe(alg);
      const claims = await verifyWithJwks(body.id_token, clientId);
      const digest = new Uint8Array(await crypto.subtle.digest(hashes[alg], new TextEncoder().encode(body.access_token)));
      expect(claims.at_hash).toBe(base64url.encode(digest.slice(0, digest.length / 2)));
    });
  }
});

describe("signing keys at rest", () => {
  it("stores private keys only encrypted", async () => {
    await codeFor(new Browser()); // make sure keys exist
    const raw = await env.KEYS.get(KEYSET_KV_KEY);
    expect(raw).toBeTruthy();
    const stored = JSON.parse(raw ?? "{}") as { keys: { encryptedPrivateJwk: string; publicJwk: Record<string, unknown> }[] };
    for (const key of stored.keys) {
      expect(key.encryptedPrivateJwk.split(".")).toHaveLength(5); // compact JWE
      expect(key.publicJwk).not.toHaveProperty("d");
    }
    expect(raw).not.toMatch(/"d":/);
  });
});
