// src/lib/secret-box.ts: sealed secrets open only for their purpose and under their secret, in the documented format
// (so another implementation can open them), and the key is derived once per isolate and purpose.
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSecret, sealSecret } from "../../src/lib/secret-box";

const secret = () => crypto.getRandomValues(new Uint8Array(20));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("secret box", () => {
  it("round-trips, as v1. + base64url(96-bit IV ‖ ciphertext ‖ 128-bit tag)", async () => {
    const plaintext = secret();
    const sealed = await sealSecret(env, "totp", plaintext);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(base64url.decode(sealed.slice(3)).length).toBe(12 + 20 + 16);
    expect(await openSecret(env, "totp", sealed)).toEqual(plaintext);
    expect(await openSecret(env, "totp", await sealSecret(env, "totp", new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it("uses a fresh IV each time", async () => {
    const plaintext = secret();
    const a = await sealSecret(env, "totp", plaintext);
    const b = await sealSecret(env, "totp", plaintext);
    expect(a).not.toBe(b);
    expect(base64url.decode(a.slice(3)).subarray(0, 12)).not.toEqual(base64url.decode(b.slice(3)).subarray(0, 12));
  });

  it("is AES-256-GCM under HKDF-SHA-256(KEY_ENCRYPTION_SECRET, info edge-oidc/secret-box/<purpose>), purpose as AAD", async () => {
    const plaintext = secret();
    const bytes = base64url.decode((await sealSecret(env, "totp", plaintext)).slice(3));
    const base = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(env.KEY_ENCRYPTION_SECRET),
      "HKDF",
      false,
      ["deriveKey"],
    );
    const key = await crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: new TextEncoder().encode("edge-oidc/secret-box/totp"),
      },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: new TextEncoder().encode("totp") },
      key,
      bytes.subarray(12),
    );
    expect(new Uint8Array(opened)).toEqual(plaintext);
  });

  it("opens nothing sealed for another purpose or under another secret", async () => {
    const sealed = await sealSecret(env, "totp", secret());
    expect(await openSecret(env, "webauthn", sealed)).toBeNull();
    expect(await openSecret({ KEY_ENCRYPTION_SECRET: "another secret" }, "totp", sealed)).toBeNull();
    // And the right secret still opens it afterwards (the per-purpose cache follows a change of secret).
    expect(await openSecret(env, "totp", sealed)).not.toBeNull();
  });

  it("opens nothing altered, truncated or in another format", async () => {
    const sealed = await sealSecret(env, "totp", secret());
    const bytes = base64url.decode(sealed.slice(3));
    for (const index of [0, 12, bytes.length - 1]) {
      const altered = bytes.slice();
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(await openSecret(env, "totp", `v1.${base64url.encode(altered)}`), `byte ${index}`).toBeNull();
    }
    for (const bad of [
      sealed.slice(0, -2),
      `v1.${base64url.encode(bytes.subarray(0, 27))}`,
      sealed.slice(3),
      `v2.${sealed.slice(3)}`,
      "v1.",
      "v1.!!!!",
      "",
    ]) {
      expect(await openSecret(env, "totp", bad), bad).toBeNull();
    }
  });

  it("derives each purpose's key once per isolate", async () => {
    const deriveKey = vi.spyOn(crypto.subtle, "deriveKey");
    const purpose = `cache-test-${crypto.randomUUID()}`;
    const sealed = await sealSecret(env, purpose, secret());
    await sealSecret(env, purpose, secret());
    await openSecret(env, purpose, sealed);
    expect(deriveKey).toHaveBeenCalledTimes(1);
  });

  it("throws, rather than answering null, when the secret is not configured or the purpose is odd", async () => {
    await expect(sealSecret({ KEY_ENCRYPTION_SECRET: "" }, "totp", secret())).rejects.toThrow(
      /KEY_ENCRYPTION_SECRET is not configured/,
    );
    await expect(openSecret({ KEY_ENCRYPTION_SECRET: "" }, "totp", "v1.AAAA")).rejects.toThrow(
      /KEY_ENCRYPTION_SECRET is not configured/,
    );
    await expect(sealSecret(env, "totp/extra", secret())).rejects.toThrow(RangeError);
    await expect(sealSecret(env, "", secret())).rejects.toThrow(RangeError);
  });
});
