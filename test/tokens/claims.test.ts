import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../src/users/password";
import { saveUser } from "../../src/users/store";
import {
  Browser,
  ISSUER,
  authorize,
  authorizeUrl,
  basic,
  codeFor,
  hiddenFields,
  redeem,
  verifyWithJwks,
  type Tokens,
} from "../helpers";
import { SECRET, registerClient } from "./fixtures";

const userinfo = async (token: string) =>
  (await exports.default.fetch(`${ISSUER}/userinfo`, { headers: { authorization: `Bearer ${token}` } })).json<
    Record<string, unknown>
  >();

describe("scopes, claims and the claims parameter (OIDC Core §5.4, §5.5)", () => {
  it("puts claims requested for the ID token into it, and those for userinfo into userinfo only", async () => {
    const claims = JSON.stringify({
      id_token: { email: { essential: true }, locale: null },
      userinfo: { phone_number: null },
    });
    const tokens = await (await redeem(await codeFor(new Browser(), { scope: "openid", claims }))).json<Tokens>();
    const id = await verifyWithJwks(tokens.id_token ?? "", "demo");
    expect(id.email).toBe("spoon@example.com");
    expect(id.locale).toBe("en-US");
    expect(id).not.toHaveProperty("phone_number");
    const info = await userinfo(tokens.access_token);
    expect(info.phone_number).toBe("+1 310 555 0100");
    expect(info).not.toHaveProperty("email"); // asked for in the ID token only, and no email scope
  });

  it("claims asked for by name need the user's consent: silently (prompt=none) they are consent_required", async () => {
    const browser = new Browser();
    await codeFor(browser, { scope: "openid" }); // consented to openid only
    const claims = JSON.stringify({ userinfo: { email: null, address: null } });
    const res = await browser.fetch(authorizeUrl({ scope: "openid", claims, prompt: "none" }));
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("consent_required");
    // With consent (the page names the claims), they are released.
    const first = await browser.fetch(authorizeUrl({ scope: "openid", claims }));
    const page = await (await browser.fetch(first.headers.get("location") ?? "")).text();
    expect(page).toContain("Your email address");
    const code = new URL(
      (await browser.post("/consent", { ...hiddenFields(page), decision: "allow" })).headers.get("location") ?? "",
    ).searchParams.get("code");
    const tokens = await (await redeem(code ?? "")).json<Tokens>();
    expect(await userinfo(tokens.access_token)).toMatchObject({
      email: "spoon@example.com",
      address: { country: "US" },
    });
  });

  it("only standard claims can be asked for by name: other user attributes are never released", async () => {
    await saveUser(env, {
      v: 1,
      sub: "attr-user",
      username: "attr-user",
      password: await hashPassword("attr-password", 10_000),
      claims: { name: "Attr", roles: ["admin"], internal_id: 7 },
    });
    const claims = JSON.stringify({ id_token: { roles: null, name: null }, userinfo: { internal_id: null } });
    const location = await authorize(
      new Browser(),
      { scope: "openid", claims },
      { username: "attr-user", password: "attr-password" },
    );
    const tokens = await (await redeem(location.searchParams.get("code") ?? "")).json<Tokens>();
    const id = await verifyWithJwks(tokens.id_token ?? "", "demo");
    expect(id.name).toBe("Attr");
    expect(id).not.toHaveProperty("roles");
    expect(await userinfo(tokens.access_token)).not.toHaveProperty("internal_id");
  });

  it("a custom scope (weather) releases no user claims and adds its API audience", async () => {
    const tokens = await (await redeem(await codeFor(new Browser(), { scope: "openid weather" }))).json<Tokens>();
    expect(Object.keys(await userinfo(tokens.access_token))).toEqual(["sub"]);
    const at = await verifyWithJwks(tokens.access_token, "urn:edge-oidc:api:weather", "at+jwt");
    expect(at.aud).toEqual([ISSUER, "urn:edge-oidc:api:weather"]);
  });
});

describe("per-client token format and lifetimes", () => {
  it("a code-flow client with opaque access tokens and its own lifetimes", async () => {
    await registerClient({
      client_id: "opaque-web",
      scope: "openid profile",
      access_token_format: "opaque",
      lifetimes: { accessToken: 300, idToken: 120 },
    });
    const code = await codeFor(new Browser(), { client_id: "opaque-web", scope: "openid profile" });
    const tokens = await (await redeem(code, {}, basic("opaque-web", SECRET))).json<Tokens>();
    expect(tokens.access_token).toMatch(/^[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.expires_in).toBe(300);
    const id = await verifyWithJwks(tokens.id_token ?? "", "opaque-web");
    expect((id.exp ?? 0) - (id.iat ?? 0)).toBe(120);
    // Userinfo takes the opaque token like a JWT.
    expect((await userinfo(tokens.access_token)).name).toBe("Sam Spoon");
  });
});
