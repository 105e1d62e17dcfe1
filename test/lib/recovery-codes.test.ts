// src/lib/recovery-codes.ts: the shape and entropy of new codes, what normalization forgives, and the stored hash.
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../../src/lib/recovery-codes";

/** Crockford's base32 symbols, lower case: no i, l, o or u. */
const SYMBOLS = "0123456789abcdefghjkmnpqrstvwxyz";

describe("newRecoveryCodes", () => {
  it("makes 10 distinct codes shown as xxxxx-xxxxx by default", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(newRecoveryCodes(3)).toHaveLength(3);
    expect(() => newRecoveryCodes(0)).toThrow(RangeError);
  });

  it("draws from all 32 symbols and no other, so each code has 10 × 5 = 50 bits", () => {
    const seen = new Set(newRecoveryCodes(400).join("").replace(/-/g, ""));
    // With 4,000 uniform draws, the chance that a symbol is missing is about 32 × (31/32)^4000, nil.
    expect([...seen].sort().join("")).toBe(SYMBOLS);
  });
});

describe("normalizeRecoveryCode", () => {
  it("ignores case, hyphens and whitespace", () => {
    for (const input of ["abcde-fghjk", "ABCDE-FGHJK", " abcde fghjk ", "abcdefghjk", "ab-cde-fg hjk\t"]) {
      expect(normalizeRecoveryCode(input)).toBe("abcdefghjk");
    }
  });

  it("reads o as 0 and i, l as 1 (Crockford), since the codes never contain them", () => {
    expect(normalizeRecoveryCode("OOOOO-IiLlz")).toBe("000001111z");
  });

  it.each([
    ["too short", "abcde-fghj"],
    ["too long", "abcde-fghjkm"],
    ["u, not in the alphabet", "abcde-fghju"],
    ["a symbol outside the alphabet", "abcde-fgh!k"],
    ["empty", ""],
  ])("refuses %s", (_what, input) => {
    expect(normalizeRecoveryCode(input)).toBeNull();
  });

  it("gives back every new code", () => {
    for (const code of newRecoveryCodes()) expect(normalizeRecoveryCode(code)).toBe(code.replace("-", ""));
  });
});

describe("hashRecoveryCode", () => {
  it("is SHA-256 of the normalized code, base64url", async () => {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abcdefghjk"));
    expect(await hashRecoveryCode("abcdefghjk")).toBe(base64url.encode(new Uint8Array(digest)));
  });

  it("is the same for every way of typing the code", async () => {
    const [code = ""] = newRecoveryCodes(1);
    const typed = ` ${code.toUpperCase().replace("-", " ")} `;
    expect(await hashRecoveryCode(normalizeRecoveryCode(typed) ?? "")).toBe(
      await hashRecoveryCode(normalizeRecoveryCode(code) ?? ""),
    );
  });

  it("refuses a code that is not normalized", async () => {
    await expect(hashRecoveryCode("abcde-fghjk")).rejects.toThrow(TypeError);
    await expect(hashRecoveryCode("ABCDEFGHJK")).rejects.toThrow(TypeError);
  });
});
