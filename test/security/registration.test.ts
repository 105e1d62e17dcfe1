// What dynamic registration refuses that an attacker tried: keys too weak (or too big) to be keys, and a jwks_uri
// that would make the provider fetch from this machine or a private network (server-side request forgery).
import { env } from "cloudflare:workers";
import { base64url, exportJWK, generateKeyPair } from "jose";
import { describe, expect, inject, it } from "vitest";
import { clientFromMetadata } from "../../src/clients/metadata";

const PRODUCTION = { ...env, ISSUER: "https://auth.example.com" };

const registration = (extra: Record<string, unknown>) => ({
  redirect_uris: ["https://app.example.com/cb"],
  token_endpoint_auth_method: "private_key_jwt",
  ...extra,
});

function rsaKey(modulus: Uint8Array, exponent = "AQAB") {
  return { kty: "RSA", n: base64url.encode(modulus), e: exponent };
}

async function refused(metadata: Record<string, unknown>, environment = PRODUCTION): Promise<string> {
  try {
    await clientFromMetadata(environment, metadata, { admin: false });
  } catch (err) {
    expect(err).toMatchObject({ error: "invalid_client_metadata" });
    return err instanceof Error ? err.message : "";
  }
  throw new Error("registration was accepted");
}

describe("registration refuses keys that are no keys", () => {
  it("a 512-bit RSA modulus, a 300,000-bit modulus of zeros, an even exponent, an off-curve length", async () => {
    const small = crypto.getRandomValues(new Uint8Array(64));
    small[0] = 0xc1;
    await refused(registration({ jwks: { keys: [rsaKey(small)] } }));
    await refused(registration({ jwks: { keys: [rsaKey(new Uint8Array(37_500))] } }));
    const good = crypto.getRandomValues(new Uint8Array(256));
    good[0] = 0xc1;
    await refused(registration({ jwks: { keys: [rsaKey(good, "AQAA")] } }));
    await refused(registration({ jwks: { keys: [{ kty: "EC", crv: "P-256", x: "AAAA", y: "AAAA" }] } }));
  });

  it("a real 2048-bit RSA key and a P-256 key are accepted", async () => {
    const rsa = await exportJWK((await generateKeyPair("RS256", { extractable: true })).publicKey);
    const ec = await exportJWK((await generateKeyPair("ES256", { extractable: true })).publicKey);
    const { client } = await clientFromMetadata(PRODUCTION, registration({ jwks: { keys: [rsa, ec] } }), {
      admin: false,
    });
    expect(client.jwks?.keys).toHaveLength(2);
  });
});

describe("registration refuses a jwks_uri on this machine or a private network, in production", () => {
  it.each([
    "https://127.0.0.1/jwks",
    "https://localhost/jwks",
    "https://10.0.0.5/jwks",
    "https://192.168.1.1/jwks",
    "https://172.16.0.1/jwks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/jwks",
    "https://[fd00::1]/jwks",
    "https://metadata.google.internal/jwks",
  ])("%s", async (jwksUri) => {
    expect(await refused(registration({ jwks_uri: jwksUri }))).toMatch(/loopback or private/);
  });

  it("a public https jwks_uri is accepted; a provider running on loopback (local development) may use a local one", async () => {
    await expect(
      clientFromMetadata(PRODUCTION, registration({ jwks_uri: "https://keys.example.com/jwks" }), { admin: false }),
    ).resolves.toBeDefined();
    await expect(
      clientFromMetadata(env, registration({ jwks_uri: "https://127.0.0.1/jwks" }), { admin: false }),
    ).resolves.toBeDefined();
  });
});

describe("sector_identifier_uri (OIDC Core §8.1, OIDC Registration §5)", () => {
  async function publish(name: string, document: unknown): Promise<string> {
    const uri = `${inject("jwksBase")}/${name}`;
    const res = await fetch(uri, { method: "PUT", body: JSON.stringify(document) });
    expect(res.status).toBe(204);
    return uri;
  }
  const pairwise = (sectorUri: string, redirectUris: string[]) => ({
    redirect_uris: redirectUris,
    subject_type: "pairwise",
    sector_identifier_uri: sectorUri,
  });
  const redirects = ["https://one.example.com/cb", "https://two.example.org/cb"];

  it("a document listing every redirect URI makes its host the sector, across hosts", async () => {
    const uri = await publish("sector-ok", [...redirects, "https://three.example.net/cb"]);
    const { client } = await clientFromMetadata(env, pairwise(uri, redirects), { admin: false });
    expect(client.sector_identifier).toBe(new URL(uri).hostname);
    expect(client.sector_identifier_uri).toBe(uri);
  });

  it("a document that does not list a redirect URI, is no JSON array, or cannot be fetched: refused", async () => {
    const partial = await publish("sector-partial", [redirects[0]]);
    expect(await refused(pairwise(partial, redirects), env)).toMatch(/does not list/);
    const notArray = await publish("sector-object", { redirect_uris: redirects });
    expect(await refused(pairwise(notArray, redirects), env)).toMatch(/JSON array/);
    expect(await refused(pairwise(`${inject("jwksBase")}/sector-missing`, redirects), env)).toMatch(/fetched/);
  });

  it("in production it must be https and not on a private address", async () => {
    expect(await refused(pairwise("http://sector.example.com/s.json", redirects))).toMatch(/https/);
    expect(await refused(pairwise("https://10.1.2.3/s.json", redirects))).toMatch(/loopback or private/);
  });
});
