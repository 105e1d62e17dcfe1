// Error answers quote nothing as markup: RFC 6749 §5.2 and §4.1.2.1 limit error_description to printable ASCII
// without '"' and '\', and we drop '<', '>' and '&' too; JSON errors carry X-Content-Type-Options: nosniff.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO_REDIRECT, ISSUER, authorizeUrl, basic, expectOAuthError, tokenRequest } from "../helpers";

const MARKUP = `<script>alert("x")</script>&é\\`;
const RFC_6749_DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

describe("error answers never reflect markup", () => {
  it("a token request quoting markup: the description is printable ASCII without markup, nosniff is set", async () => {
    const res = await tokenRequest({ grant_type: MARKUP }, basic("demo", "demo-secret"));
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await res.clone().json<{ error: string; error_description: string }>();
    expect(body.error).toBe("unsupported_grant_type");
    expect(body.error_description).toMatch(RFC_6749_DESCRIPTION);
    expect(body.error_description).not.toMatch(/[<>&]/);
    await expectOAuthError(res, 400, "unsupported_grant_type");
  });

  it("a repeated parameter whose name is markup: the same", async () => {
    const res = await exports.default.fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic("demo", "demo-secret") },
      body: `${encodeURIComponent(MARKUP)}=1&${encodeURIComponent(MARKUP)}=2`,
    });
    const body = await res.json<{ error: string; error_description: string }>();
    expect(body.error).toBe("invalid_request");
    expect(body.error_description).toMatch(RFC_6749_DESCRIPTION);
    expect(body.error_description).not.toMatch(/[<>&]/);
  });

  it("an error sent back to the client's redirect URI: the description there is printable too", async () => {
    const res = await exports.default.fetch(`${ISSUER}${authorizeUrl({ scope: `openid ${MARKUP}` })}`, {
      redirect: "manual",
    });
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(DEMO_REDIRECT);
    expect(location.searchParams.get("error")).toBe("invalid_scope");
    expect(location.searchParams.get("error_description")).toMatch(RFC_6749_DESCRIPTION);
    expect(location.searchParams.get("error_description")).not.toMatch(/[<>&]/);
  });
});
