import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { Browser, ISSUER, codeFor, redeem } from "../helpers";

async function accessToken(scope = "openid profile email"): Promise<string> {
  const browser = new Browser();
  const code = await codeFor(browser, { scope });
  return (await (await redeem(code)).json<{ access_token: string }>()).access_token;
}

const userinfo = (init: RequestInit = {}) => exports.default.fetch(`${ISSUER}/userinfo`, init);

describe("userinfo", () => {
  it("GET with a bearer header answers sub plus the claims of the granted scopes only", async () => {
    const res = await userinfo({ headers: { authorization: `Bearer ${await accessToken()}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const claims = await res.json<Record<string, unknown>>();
    expect(claims.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    expect(claims.name).toBe("Sam Spoon");
    expect(claims.email).toBe("spoon@example.com");
    expect(claims.email_verified).toBe(true);
    expect(claims).not.toHaveProperty("address");
    expect(claims).not.toHaveProperty("phone_number");
  });

  it("address and phone scopes release address and phone claims", async () => {
    const res = await userinfo({ headers: { authorization: `Bearer ${await accessToken("openid address phone")}` } });
    const claims = await res.json<Record<string, unknown>>();
    expect(claims.address).toMatchObject({ postal_code: "90210", country: "US" });
    expect(claims.phone_number).toBe("+1 310 555 0100");
    expect(claims.phone_number_verified).toBe(true);
    expect(claims).not.toHaveProperty("email");
    expect(claims).not.toHaveProperty("name");
  });

  it("POST with access_token in a form body", async () => {
    const res = await userinfo({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ access_token: await accessToken() }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await res.json<{ sub: string }>()).sub).toBeTruthy();
  });

  it("no token: 401 with a bare Bearer challenge", async () => {
    const res = await userinfo();
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(res.headers.get("www-authenticate")).not.toContain("error=");
  });

  it("a forged or garbage token: 401 invalid_token", async () => {
    const token = await accessToken();
    const [h, p] = token.split(".");
    for (const bad of ["garbage", `${h}.${p}.AAAA`, `${h}.${p}.`]) {
      const res = await userinfo({ headers: { authorization: `Bearer ${bad}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it("an ID token is not an access token", async () => {
    const browser = new Browser();
    const body = await (await redeem(await codeFor(browser))).json<{ id_token: string }>();
    const res = await userinfo({ headers: { authorization: `Bearer ${body.id_token}` } });
    expect(res.status).toBe(401);
  });

  it("an expired access token: 401 invalid_token", async () => {
    const token = await accessToken();
    setClockOffset(3601);
    try {
      const res = await userinfo({ headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    } finally {
      setClockOffset(0);
    }
  });

  it("a token without openid: 403 insufficient_scope", async () => {
    const res = await userinfo({ headers: { authorization: `Bearer ${await accessToken("profile")}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
  });

  it("a token in both the header and the body: 400 invalid_request", async () => {
    const token = await accessToken();
    const res = await userinfo({
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ access_token: token }).toString(),
    });
    expect(res.status).toBe(400);
  });
});
