// The RFC 6750 §3 answer built from an AccessTokenError: every quoted value sanitised, and no internal detail
// in a 503.
import { describe, expect, it } from "vitest";
import { AccessTokenError, challenge, errorResponse } from "../../src/resource";

describe("challenge and errorResponse", () => {
  it('the scope value is quoted like the others: no `"` or `\\` can break out of it (RFC 6750 §3)', () => {
    // requireScopes only ever sees valid scope-tokens, but AccessTokenError is public and takes any strings.
    const err = new AccessTokenError("ERR_INSUFFICIENT_SCOPE", "the access token lacks a scope", [
      'wea"ther\\',
      "read\u0000",
    ]);
    expect(challenge(err, "api")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope", scope="weather read"',
    );
  });

  it("a 503 answers a fixed description; the issuer's URLs and statuses stay in the logs", async () => {
    const err = new AccessTokenError("ERR_ISSUER_UNAVAILABLE", "https://auth.internal.example/jwks answered 500");
    const res = errorResponse(err, "api");
    expect(res.status).toBe(503);
    const body = await res.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("temporarily_unavailable");
    expect(body.error_description).not.toContain("internal");
    expect(body.error_description).not.toContain("500");
    // The same text whatever went wrong.
    const other = await errorResponse(
      new AccessTokenError("ERR_ISSUER_UNAVAILABLE", "metadata names issuer x"),
      "api",
    ).json();
    expect(other).toEqual(body);
  });
});
