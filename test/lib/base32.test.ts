// src/lib/base32.ts against RFC 4648 §10's test vectors, and what decoding forgives and refuses.
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "../../src/lib/base32";

const bytes = (text: string) => new TextEncoder().encode(text);

/** RFC 4648 §10, BASE32 (padded there; unpadded here). */
const VECTORS: [string, string][] = [
  ["", ""],
  ["f", "MY======"],
  ["fo", "MZXQ===="],
  ["foo", "MZXW6==="],
  ["foob", "MZXW6YQ="],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI======"],
];

describe("base32 (RFC 4648 §6)", () => {
  it.each(VECTORS)("encodes %j as %s without padding", (plain, encoded) => {
    expect(base32Encode(bytes(plain))).toBe(encoded.replace(/=+$/, ""));
  });

  it.each(VECTORS)("decodes %j from %s, padded or not, in any case", (plain, encoded) => {
    expect(base32Decode(encoded)).toEqual(bytes(plain));
    expect(base32Decode(encoded.replace(/=+$/, ""))).toEqual(bytes(plain));
    expect(base32Decode(encoded.toLowerCase())).toEqual(bytes(plain));
  });

  it("ignores whitespace, as in a key typed in groups", () => {
    expect(base32Decode(" mzxw 6ytb\toi\n")).toEqual(bytes("foobar"));
  });

  it("round-trips every length and every byte value", () => {
    for (let length = 0; length <= 41; length++) {
      const data = crypto.getRandomValues(new Uint8Array(length));
      expect(base32Decode(base32Encode(data))).toEqual(data);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base32Decode(base32Encode(all))).toEqual(all);
  });

  it.each([
    ["a character outside the alphabet", "MZXW1YTB"],
    ["the look-alike 0 for O", "MZXW6YTB0I"],
    ["base64url's characters", "MZ-W_YTB"],
    ["a length no encoding has (1 in the last quantum)", "MZXW6YTBO"],
    ["a length no encoding has (3 in the last quantum)", "MZX"],
    ["a length no encoding has (6 in the last quantum)", "MZXW6Y"],
    ["non-zero bits after the last byte (RFC 4648 §3.5)", "MZXR"],
    ["padding in the middle", "MZ=XQ"],
  ])("refuses %s", (_what, input) => {
    expect(base32Decode(input)).toBeNull();
  });
});
