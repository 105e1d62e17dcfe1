// Reading the token from the Authorization header (RFC 6750 §2.1).
import { describe, expect, it } from "vitest";
import { bearerToken } from "../../src/resource";

describe("bearerToken", () => {
  it("takes the token after the case-insensitive Bearer scheme and one or more spaces", () => {
    expect(bearerToken("Bearer abc.def")).toBe("abc.def");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("BEARER   abc")).toBe("abc");
  });

  it("no header, or another scheme, is a missing token", () => {
    for (const header of [undefined, null, "", "Basic ZGVtbzpkZW1v", "DPoP abc", "Bearerabc", "Bear abc"]) {
      expect(() => bearerToken(header)).toThrow(expect.objectContaining({ code: "ERR_TOKEN_MISSING" }));
    }
  });

  it("the scheme without a token yields an empty token (refused as malformed by verifyAccessToken)", () => {
    expect(bearerToken("Bearer")).toBe("");
    expect(bearerToken("Bearer ")).toBe("");
  });
});
