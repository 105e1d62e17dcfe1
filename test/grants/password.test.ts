import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { saveClient } from "../../src/clients/registry";
import { sha256Base64url } from "../../src/lib/crypto";
import { hashPassword } from "../../src/users/password";
import { saveUser } from "../../src/users/store";
import {
  Browser,
  authorizeUrl,
  basic,
  expectOAuthError,
  hiddenFields,
  tokenRequest,
  verifyWithJwks,
  type Tokens,
} from "../helpers";

const passwordGrant = (form: Record<string, string>, auth = basic("demo", "demo-secret")) =>
  tokenRequest({ grant_type: "password", ...form }, auth);

describe("password grant", () => {
  it("checks the user store and issues an ID token with openid and a refresh token with offline_access", async () => {
    const res = await passwordGrant({ username: "spoon", password: "spoon", scope: "openid weather offline_access" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Tokens>();
    expect(body.scope).toBe("openid weather offline_access");
    expect(body.refresh_token).toBeTruthy();
    const id = await verifyWithJwks(body.id_token ?? "", "demo");
    expect(id.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    expect(id.amr).toEqual(["pwd"]);
    const at = await verifyWithJwks(body.access_token, "urn:edge-oidc:api:weather", "at+jwt");
    expect(at.scope).toBe("openid weather offline_access");
  });

  it("without openid there is no ID token; without offline_access no refresh token", async () => {
    const body = await (await passwordGrant({ username: "spoon", password: "spoon", scope: "weather" })).json<Tokens>();
    expect(body.id_token).toBeUndefined();
    expect(body.refresh_token).toBeUndefined();
  });

  it("wrong credentials are invalid_grant; missing ones invalid_request; a foreign scope invalid_scope", async () => {
    await expectOAuthError(
      await passwordGrant({ username: "spoon", password: "nope", scope: "openid" }),
      400,
      "invalid_grant",
    );
    await expectOAuthError(
      await passwordGrant({ username: "nobody", password: "x", scope: "openid" }),
      400,
      "invalid_grant",
    );
    await expectOAuthError(await passwordGrant({ username: "spoon", scope: "openid" }), 400, "invalid_request");
    await expectOAuthError(
      await passwordGrant({ username: "spoon", password: "spoon", scope: "openid admin" }),
      400,
      "invalid_scope",
    );
  });

  it("is off unless the client's grant_types include it", async () => {
    const res = await passwordGrant(
      { username: "spoon", password: "spoon", scope: "weather" },
      basic("demo-service", "demo-service-secret"),
    );
    await expectOAuthError(res, 400, "unauthorized_client");
  });

  it("failed attempts count towards the login throttle, shared with the login page", async () => {
    await saveUser(env, {
      v: 1,
      sub: "throttle-user",
      username: "throttled",
      password: await hashPassword("right", 10_000),
      claims: {},
    });
    for (let i = 0; i < 5; i++) {
      await expectOAuthError(
        await passwordGrant({ username: "throttled", password: "wrong", scope: "openid" }),
        400,
        "invalid_grant",
      );
    }
    // The right password no longer helps while throttled.
    const res = await passwordGrant({ username: "throttled", password: "right", scope: "openid" });
    await expectOAuthError(res, 400, "invalid_grant");
    // And the login page refuses it too.
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    const page = await browser.fetch(first.headers.get("location") ?? "");
    const login = await browser.post("/login", {
      ...hiddenFields(await page.text()),
      username: "throttled",
      password: "right",
    });
    expect(login.status).toBe(401);
    expect(await login.text()).toContain("Too many failed attempts");
    expect(browser.hasCookie("eo_session")).toBe(false);
  });

  it("a successful login resets the failure count", async () => {
    await saveUser(env, {
      v: 1,
      sub: "reset-user",
      username: "resetting",
      password: await hashPassword("right", 10_000),
      claims: {},
    });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) await passwordGrant({ username: "resetting", password: "wrong", scope: "openid" });
      expect((await passwordGrant({ username: "resetting", password: "right", scope: "openid" })).status).toBe(200);
    }
  });

  it("works with client_secret_post too", async () => {
    await saveClient(env, {
      v: 1,
      client_id: "pw-post",
      client_secret_hash: await sha256Base64url("s3cret"),
      token_endpoint_auth_method: "client_secret_post",
      redirect_uris: [],
      grant_types: ["password"],
      response_types: [],
      scope: "openid",
    });
    const res = await tokenRequest({
      grant_type: "password",
      username: "fork",
      password: "fork",
      scope: "openid",
      client_id: "pw-post",
      client_secret: "s3cret",
    });
    expect(res.status).toBe(200);
  });
});

describe("login throttle under concurrency", () => {
  it("20 simultaneous wrong guesses: at most 5 are checked, the rest throttled, and then the right password is refused", async () => {
    await saveUser(env, {
      v: 1,
      sub: "race-user",
      username: "racer",
      password: await hashPassword("right", 10_000),
      claims: {},
    });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => passwordGrant({ username: "racer", password: "wrong", scope: "openid" })),
    );
    const descriptions = await Promise.all(responses.map((r) => r.json<{ error_description: string }>()));
    expect(descriptions.filter((d) => d.error_description.includes("too many"))).toHaveLength(15);
    const res = await passwordGrant({ username: "racer", password: "right", scope: "openid" });
    expect((await res.json<{ error_description: string }>()).error_description).toContain("too many");
  });
});
