// src/lib/totp.ts: RFC 6238 Appendix B (SHA-1) and RFC 4226 Appendix D test vectors, the ±1-step window, one use per
// code, malformed input, and the otpauth URI.
import { describe, expect, it } from "vitest";
import { base32Decode } from "../../src/lib/base32";
import { matchTotp, newTotpSecret, otpauthUri, timeStep, totpCode } from "../../src/lib/totp";

/** The SHA-1 seed of both RFCs' test vectors: the ASCII string "12345678901234567890" (20 bytes). */
const SEED = new TextEncoder().encode("12345678901234567890");

describe("TOTP codes", () => {
  // RFC 6238 Appendix B, SHA-1 rows (8 digits there; a 6-digit code is the value mod 10^6, its last 6 digits).
  it.each([
    [59, 1, "94287082"],
    [1111111109, 0x23523ec, "07081804"],
    [1111111111, 0x23523ed, "14050471"],
    [1234567890, 0x273ef07, "89005924"],
    [2000000000, 0x3f940aa, "69279037"],
    [20000000000, 0x27bc86aa, "65353130"],
  ])("RFC 6238 Appendix B: time %i is step %i, code %s", async (time, step, eightDigits) => {
    expect(timeStep(time)).toBe(step);
    expect(await totpCode(SEED, step)).toBe(eightDigits.slice(2));
  });

  // RFC 4226 Appendix D: HOTP values for counters 0 to 9 (TOTP is HOTP with the counter T, RFC 6238 §4.2).
  it("RFC 4226 Appendix D: HOTP for counters 0 to 9", async () => {
    const codes = await Promise.all(Array.from({ length: 10 }, (_, counter) => totpCode(SEED, counter)));
    expect(codes).toEqual([
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ]);
  });

  // RFC 6238 §4.2: T beyond 32 bits (the year 2038 is at step 71582788; these steps are far beyond). The counter's high
  // word is checked against a reference built with a 64-bit write, since no published vector reaches it.
  it.each([2 ** 32 + 1, 2 ** 40 + 5])("encodes step %i as an 8-byte big-endian counter", async (step) => {
    const message = new Uint8Array(8);
    new DataView(message.buffer).setBigUint64(0, BigInt(step));
    const key = await crypto.subtle.importKey("raw", SEED, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    const hs = new DataView(await crypto.subtle.sign("HMAC", key, message));
    const binary = hs.getUint32(hs.getUint8(19) & 0xf) & 0x7fffffff;
    expect(await totpCode(SEED, step)).toBe(String(binary % 1_000_000).padStart(6, "0"));
  });

  it("steps are 30 seconds from the epoch", () => {
    expect([0, 29, 30, 59, 60].map(timeStep)).toEqual([0, 0, 1, 1, 2]);
    expect(() => timeStep(-1)).toThrow(RangeError);
    expect(() => timeStep(Number.NaN)).toThrow(RangeError);
  });

  it("a new secret is 160 random bits (RFC 4226 §4 R6)", () => {
    const a = newTotpSecret();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(20);
    expect(newTotpSecret()).not.toEqual(a);
  });
});

describe("matchTotp", () => {
  const now = 1_700_000_013; // inside step 56666667
  const step = timeStep(now);
  const codeAt = (offset: number) => totpCode(SEED, step + offset);

  it("accepts the current step and one step either side (RFC 6238 §5.2), and says which", async () => {
    for (const offset of [-1, 0, 1]) {
      expect(await matchTotp(SEED, await codeAt(offset), now, undefined)).toEqual({ ok: true, step: step + offset });
    }
  });

  it("refuses a code two steps away as wrong", async () => {
    for (const offset of [-2, 2]) {
      expect(await matchTotp(SEED, await codeAt(offset), now, undefined)).toEqual({ ok: false, reason: "wrong" });
    }
  });

  it("refuses a code of a step already used, or older, as replayed (RFC 6238 §5.2)", async () => {
    const first = await matchTotp(SEED, await codeAt(0), now, undefined);
    expect(first).toEqual({ ok: true, step });
    // The same code again, even a few seconds later within its step.
    expect(await matchTotp(SEED, await codeAt(0), now + 5, step)).toEqual({ ok: false, reason: "replayed" });
    // An older code still inside the window.
    expect(await matchTotp(SEED, await codeAt(-1), now, step)).toEqual({ ok: false, reason: "replayed" });
    // The next step's code is still good.
    expect(await matchTotp(SEED, await codeAt(1), now, step)).toEqual({ ok: true, step: step + 1 });
    // After a later step was used, the current one is refused.
    expect(await matchTotp(SEED, await codeAt(0), now, step + 1)).toEqual({ ok: false, reason: "replayed" });
  });

  it("a wrong code is wrong whatever the last used step", async () => {
    const good = await codeAt(0);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, "0");
    expect(await matchTotp(SEED, wrong, now, step)).toEqual({ ok: false, reason: "wrong" });
  });

  it("ignores spaces, as apps show the code in two groups", async () => {
    const code = await codeAt(0);
    expect(await matchTotp(SEED, ` ${code.slice(0, 3)} ${code.slice(3)} `, now, undefined)).toEqual({
      ok: true,
      step,
    });
  });

  it.each([
    ["empty", ""],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["a letter", "12a456"],
    ["a sign", "-12345"],
    ["non-ASCII digits", "１２３４５６"],
    ["Arabic-Indic digits", "١٢٣٤٥٦"],
  ])("%s is malformed", async (_what, code) => {
    expect(await matchTotp(SEED, code, now, undefined)).toEqual({ ok: false, reason: "malformed" });
  });

  it("a secret is a secret: another key's code is wrong", async () => {
    expect(await matchTotp(newTotpSecret(), await codeAt(0), now, undefined)).toMatchObject({ ok: false });
  });
});

describe("otpauthUri", () => {
  it("is the Key Uri Format, percent-encoded", () => {
    expect(otpauthUri({ issuer: "Example Co", account: "alice@example.com", secret: SEED })).toBe(
      "otpauth://totp/Example%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
        "&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30",
    );
  });

  it("encodes everything but unreserved characters, as UTF-8", () => {
    const uri = otpauthUri({ issuer: "Zoë & Co (test)!", account: "b+c/d?e#f", secret: SEED });
    expect(uri).toBe(
      "otpauth://totp/Zo%C3%AB%20%26%20Co%20%28test%29%21:b%2Bc%2Fd%3Fe%23f?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
        "&issuer=Zo%C3%AB%20%26%20Co%20%28test%29%21&algorithm=SHA1&digits=6&period=30",
    );
    const url = new URL(uri);
    expect(url.protocol).toBe("otpauth:");
    expect(url.searchParams.get("issuer")).toBe("Zoë & Co (test)!");
    expect(decodeURIComponent(url.pathname.split(":")[1] ?? "")).toBe("b+c/d?e#f");
    expect(base32Decode(url.searchParams.get("secret") ?? "")).toEqual(SEED);
  });

  it("refuses a colon (the label's separator) or an empty part", () => {
    expect(() => otpauthUri({ issuer: "a:b", account: "alice", secret: SEED })).toThrow(RangeError);
    expect(() => otpauthUri({ issuer: "Example", account: "a:lice", secret: SEED })).toThrow(RangeError);
    expect(() => otpauthUri({ issuer: "", account: "alice", secret: SEED })).toThrow(RangeError);
    expect(() => otpauthUri({ issuer: "Example", account: "", secret: SEED })).toThrow(RangeError);
  });
});
