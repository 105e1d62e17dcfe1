import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import {
  Browser,
  DEMO_REDIRECT,
  ISSUER,
  SPA_REDIRECT,
  authorize,
  authorizeUrl,
  codeFor,
  hiddenFields,
  pkcePair,
  redeem,
} from "../helpers";

async function expectErrorPage(res: Response, text: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(await res.text()).toContain(text);
}

function redirectParams(res: Response, mode: "query" | "fragment" = "query"): URLSearchParams {
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(DEMO_REDIRECT);
  return mode === "query" ? location.searchParams : new URLSearchParams(location.hash.slice(1));
}

describe("authorization endpoint: errors before the redirect URI is trusted are shown, never redirected", () => {
  const browser = new Browser();

  it("missing client_id", async () => {
    await expectErrorPage(await browser.fetch(authorizeUrl({ client_id: undefined })), "client_id is required");
  });

  it("unknown client", async () => {
    await expectErrorPage(await browser.fetch(authorizeUrl({ client_id: "nobody" })), "unknown client");
  });

  it("missing redirect_uri", async () => {
    await expectErrorPage(await browser.fetch(authorizeUrl({ redirect_uri: undefined })), "redirect_uri is required");
  });

  for (const uri of [
    `${DEMO_REDIRECT}/extra`,
    `${DEMO_REDIRECT}?x=1`,
    "http://localhost:3000/callback#f",
    "https://evil.example/callback",
  ]) {
    it(`redirect_uri ${uri} (not an exact match)`, async () => {
      await expectErrorPage(await browser.fetch(authorizeUrl({ redirect_uri: uri })), "redirect_uri is not registered");
    });
  }

  it("a repeated parameter", async () => {
    const res = await browser.fetch(`${authorizeUrl()}&redirect_uri=${encodeURIComponent("https://evil.example/")}`);
    await expectErrorPage(res, "repeated");
  });

  // RFC 9101 §6.2: the redirect URI of a request object is inside it, so an invalid one is not trusted.
  it("a malformed request object (invalid_request_object)", async () => {
    await expectErrorPage(await browser.fetch(authorizeUrl({ request: "eyJ.e30." })), "invalid_request_object");
  });

  it("escapes reflected input on the error page", async () => {
    const res = await browser.fetch(authorizeUrl({ client_id: "<script>alert(1)</script>" }));
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)</script>");
  });
});

describe("authorization endpoint: errors after validation go back to the client with state and iss", () => {
  const browser = new Browser();
  const cases: [string, Record<string, string | undefined>, string][] = [
    ["missing response_type", { response_type: undefined }, "invalid_request"],
    ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
    ["missing scope", { scope: undefined }, "invalid_scope"],
    ["an unknown scope", { scope: "openid admin" }, "invalid_scope"],
    [
      "code_challenge_method=plain",
      { code_challenge: "a".repeat(43), code_challenge_method: "plain" },
      "invalid_request",
    ],
    ["a malformed code_challenge", { code_challenge: "short", code_challenge_method: "S256" }, "invalid_request"],
    ["prompt=none combined with login", { prompt: "none login" }, "invalid_request"],
    ["an unknown prompt", { prompt: "bogus" }, "invalid_request"],
    ["a negative max_age", { max_age: "-1" }, "invalid_request"],
    ["a forged id_token_hint", { id_token_hint: "eyJhbGciOiJub25lIn0.e30." }, "invalid_request"],
    ["a claims parameter that is not JSON", { claims: "{nope" }, "invalid_request"],
  ];
  for (const [name, params, error] of cases) {
    it(name, async () => {
      const got = redirectParams(await browser.fetch(authorizeUrl(params)));
      expect(got.get("error")).toBe(error);
      expect(got.get("state")).toBe("state-123");
      expect(got.get("iss")).toBe(ISSUER);
      expect(got.get("code")).toBeNull();
    });
  }

  it("public clients must use PKCE", async () => {
    const res = await browser.fetch(authorizeUrl({ client_id: "demo-spa", redirect_uri: SPA_REDIRECT }));
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toContain("PKCE");
  });

  it("a client without the authorization_code grant is unauthorized_client", async () => {
    // demo-service has no redirect URIs at all, so this never reaches the redirect: an error page.
    const res = await browser.fetch(authorizeUrl({ client_id: "demo-service" }));
    expect(res.status).toBe(400);
  });

  it("errors use the requested response_mode (fragment)", async () => {
    const got = redirectParams(
      await browser.fetch(authorizeUrl({ response_type: "token", response_mode: "fragment" })),
      "fragment",
    );
    expect(got.get("error")).toBe("unsupported_response_type");
    expect(got.get("iss")).toBe(ISSUER);
  });

  it("prompt=none without a session answers login_required", async () => {
    const got = redirectParams(await new Browser().fetch(authorizeUrl({ prompt: "none" })));
    expect(got.get("error")).toBe("login_required");
    expect(got.get("state")).toBe("state-123");
    expect(got.get("iss")).toBe(ISSUER);
  });
});

describe("authorization endpoint: login, consent, sessions", () => {
  it("sends the browser to a login page with the contract's fields, CSRF token and security headers", async () => {
    const browser = new Browser();
    const res = await browser.fetch(authorizeUrl({ login_hint: '"><b>x' }));
    expect(res.status).toBe(303);
    const login = await browser.fetch(res.headers.get("location") ?? "");
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(login.headers.get("x-content-type-options")).toBe("nosniff");
    expect(login.headers.get("x-frame-options")).toBe("DENY");
    expect(login.headers.get("referrer-policy")).toBe("no-referrer");
    expect(login.headers.get("cache-control")).toBe("no-store");
    const html = await login.text();
    expect(html).toMatch(/<form method="post"/);
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    // The login form's own fields; the passkey form below it is a second form.
    const loginForm = html.slice(html.indexOf('<form method="post"'), html.indexOf("</form>"));
    expect(Object.keys(hiddenFields(loginForm)).sort()).toEqual(["csrf", "interaction"]);
    expect(html).toContain('<form id="passkey-form" method="post" action="/login">');
    expect(html).not.toContain('"><b>x');
    expect(html).toContain("&quot;&gt;&lt;b&gt;x");
  });

  it("runs login then consent, sets an HttpOnly SameSite=Lax session cookie, and returns code, state and iss", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    const loginPage = await browser.fetch(first.headers.get("location") ?? "");
    const loggedIn = await browser.post("/login", {
      ...hiddenFields(await loginPage.text()),
      username: "spoon",
      password: "spoon",
    });
    expect(loggedIn.status).toBe(303);
    const cookie = loggedIn.headers.getSetCookie().find((c) => c.startsWith("eo_session="));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // http in local development; Secure on https
    const consentPage = await browser.fetch(loggedIn.headers.get("location") ?? "");
    const html = await consentPage.text();
    expect(html).toContain('<button type="submit" name="decision" value="allow">');
    expect(html).toContain('<button type="submit" name="decision" value="deny">');
    const done = await browser.post("/consent", { ...hiddenFields(html), decision: "allow" });
    const got = redirectParams(done);
    expect(got.get("code")).toMatch(/^[0-9a-f]{64}\.[A-Za-z0-9_-]+$/);
    expect(got.get("state")).toBe("state-123");
    expect(got.get("iss")).toBe(ISSUER);
  });

  it("a second authorization with a session is silent, and prompt=none then succeeds", async () => {
    const browser = new Browser();
    await authorize(browser);
    const silent = redirectParams(await browser.fetch(authorizeUrl({ state: "again" })));
    expect(silent.get("code")).toBeTruthy();
    expect(silent.get("state")).toBe("again");
    const none = redirectParams(await browser.fetch(authorizeUrl({ prompt: "none" })));
    expect(none.get("code")).toBeTruthy();
  });

  it("prompt=none with a session but without consent answers consent_required", async () => {
    const browser = new Browser();
    await authorize(browser, { scope: "openid" });
    const got = redirectParams(await browser.fetch(authorizeUrl({ scope: "openid phone", prompt: "none" })));
    expect(got.get("error")).toBe("consent_required");
  });

  it("prompt=login and an exceeded max_age force a new login; prompt=consent forces consent", async () => {
    const browser = new Browser();
    await authorize(browser);
    for (const params of [{ prompt: "login" }, { max_age: "0" }]) {
      const res = await browser.fetch(authorizeUrl(params));
      expect(new URL(res.headers.get("location") ?? "", ISSUER).pathname).toBe("/login");
    }
    const consent = await browser.fetch(authorizeUrl({ prompt: "consent" }));
    expect(new URL(consent.headers.get("location") ?? "", ISSUER).pathname).toBe("/consent");
    // And the forced login completes (no loop back to the login page).
    const location = await authorize(browser, { prompt: "login" });
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("max_age counts from the session's auth_time (clock moved, not slept)", async () => {
    const browser = new Browser();
    await authorize(browser);
    const fresh = redirectParams(await browser.fetch(authorizeUrl({ max_age: "60" })));
    expect(fresh.get("code")).toBeTruthy();
    setClockOffset(61);
    try {
      const res = await browser.fetch(authorizeUrl({ max_age: "60" }));
      expect(new URL(res.headers.get("location") ?? "", ISSUER).pathname).toBe("/login");
    } finally {
      setClockOffset(0);
    }
  });

  it("id_token_hint: the signed-in user's hint is silent; another user's hint with prompt=none is login_required", async () => {
    const spoon = new Browser();
    const code = await codeFor(spoon);
    const { id_token: spoonHint } = await (await redeem(code)).json<{ id_token: string }>();
    expect(
      redirectParams(await spoon.fetch(authorizeUrl({ prompt: "none", id_token_hint: spoonHint }))).get("code"),
    ).toBeTruthy();
    const fork = new Browser();
    await authorize(fork, {}, { username: "fork", password: "fork" });
    const got = redirectParams(await fork.fetch(authorizeUrl({ prompt: "none", id_token_hint: spoonHint })));
    expect(got.get("error")).toBe("login_required");
  });

  it("an access token is no id_token_hint", async () => {
    const browser = new Browser();
    const { access_token: hint } = await (await redeem(await codeFor(browser))).json<{ access_token: string }>();
    const got = redirectParams(await browser.fetch(authorizeUrl({ id_token_hint: hint })));
    expect(got.get("error")).toBe("invalid_request");
  });

  it("an id_token_hint issued to another client is refused", async () => {
    const browser = new Browser();
    const { id_token: hint } = await (await redeem(await codeFor(browser))).json<{ id_token: string }>();
    const got = redirectParams(await browser.fetch(authorizeUrl({ client_id: "demo-post", id_token_hint: hint })));
    expect(got.get("error")).toBe("invalid_request");
  });

  it("a denied consent answers access_denied", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl({ scope: "openid address" }));
    const loginPage = await browser.fetch(first.headers.get("location") ?? "");
    const loggedIn = await browser.post("/login", {
      ...hiddenFields(await loginPage.text()),
      username: "fork",
      password: "fork",
    });
    const consentPage = await browser.fetch(loggedIn.headers.get("location") ?? "");
    const got = redirectParams(
      await browser.post("/consent", { ...hiddenFields(await consentPage.text()), decision: "deny" }),
    );
    expect(got.get("error")).toBe("access_denied");
    expect(got.get("state")).toBe("state-123");
  });

  it("a wrong password shows the login page again with 401 and no session", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    const loginPage = await browser.fetch(first.headers.get("location") ?? "");
    const res = await browser.post("/login", {
      ...hiddenFields(await loginPage.text()),
      username: "spoon",
      password: "wrong",
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Wrong username or password");
    expect(browser.hasCookie("eo_session")).toBe(false);
  });

  it("a login form without the browser's CSRF cookie is refused", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    const loginPage = await browser.fetch(first.headers.get("location") ?? "");
    const fields = hiddenFields(await loginPage.text());
    const attacker = new Browser();
    const res = await attacker.post("/login", { ...fields, username: "spoon", password: "spoon" });
    expect(res.status).toBe(403);
    expect(attacker.hasCookie("eo_session")).toBe(false);
  });

  it("a tampered interaction is refused", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    const loginPage = await browser.fetch(first.headers.get("location") ?? "");
    const fields = hiddenFields(await loginPage.text());
    const res = await browser.post("/login", {
      ...fields,
      interaction: `${fields.interaction}x`,
      username: "spoon",
      password: "spoon",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("response_mode=form_post answers an auto-submitting form to the redirect URI", async () => {
    const browser = new Browser();
    await authorize(browser);
    const res = await browser.fetch(authorizeUrl({ response_mode: "form_post" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    expect(html).toContain(`<form method="post" action="${DEMO_REDIRECT}">`);
    expect(html).toContain(`<script nonce="${nonce}">`);
    const fields = hiddenFields(html);
    expect(fields.code).toBeTruthy();
    expect(fields.state).toBe("state-123");
    expect(fields.iss).toBe(ISSUER);
  });

  it("POST to the authorization endpoint works like GET", async () => {
    const browser = new Browser();
    await authorize(browser);
    const res = await browser.post("/authorize", {
      client_id: "demo",
      redirect_uri: DEMO_REDIRECT,
      response_type: "code",
      scope: "openid profile email",
      state: "posted",
    });
    expect(redirectParams(res).get("state")).toBe("posted");
  });

  it("ignores unknown parameters", async () => {
    const browser = new Browser();
    await authorize(browser);
    expect(redirectParams(await browser.fetch(authorizeUrl({ foo: "bar" }))).get("code")).toBeTruthy();
  });

  it("the public client gets a code with PKCE S256", async () => {
    const { challenge } = await pkcePair();
    const location = await authorize(new Browser(), {
      client_id: "demo-spa",
      redirect_uri: SPA_REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("does not answer HTML errors with a 5xx for a garbage body", async () => {
    const res = await exports.default.fetch(`${ISSUER}/authorize`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "\u0000garbage",
    });
    expect(res.status).toBe(400);
  });
});

describe("authorization endpoint: no shortcut around a demanded login", () => {
  it("going straight to the consent URL of a prompt=login request leads to the login page", async () => {
    const browser = new Browser();
    await authorize(browser, { scope: "openid" });
    const res = await browser.fetch(authorizeUrl({ prompt: "login", scope: "openid email" }));
    const loginUrl = new URL(res.headers.get("location") ?? "", ISSUER);
    expect(loginUrl.pathname).toBe("/login");
    const consentUrl = `/consent${loginUrl.search}`;
    const consentGet = await browser.fetch(consentUrl);
    expect(consentGet.status).toBe(303);
    expect(new URL(consentGet.headers.get("location") ?? "", ISSUER).pathname).toBe("/login");
  });

  it("a code is not sent to a redirect URI the client no longer has", async () => {
    const { saveClient, findClient } = await import("../../src/clients/registry");
    const { env } = await import("cloudflare:workers");
    const demo = await findClient(env, "demo");
    if (!demo) throw new Error("no demo client");
    await saveClient(env, { ...demo, client_id: "shrinking", skip_consent: true });
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl({ client_id: "shrinking" }));
    const page = await browser.fetch(first.headers.get("location") ?? "");
    await saveClient(env, {
      ...demo,
      client_id: "shrinking",
      skip_consent: true,
      redirect_uris: ["http://127.0.0.1:3000/callback"],
    });
    const res = await browser.post("/login", {
      ...hiddenFields(await page.text()),
      username: "spoon",
      password: "spoon",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });
});

describe("cookies on https", () => {
  it("the session and CSRF cookies get Secure and the __Host- prefix, and are read back under it", async () => {
    const https = (path: string, init: RequestInit = {}) =>
      exports.default.fetch(`https://auth.example.com${path}`, { ...init, redirect: "manual" });
    const first = await https(authorizeUrl());
    const loginPage = await https(first.headers.get("location") ?? "");
    const csrfCookie = loginPage.headers.getSetCookie().find((c) => c.startsWith("__Host-eo_csrf="));
    expect(csrfCookie).toMatch(/; Secure/);
    expect(csrfCookie).toMatch(/Path=\//);
    const fields = hiddenFields(await loginPage.text());
    const res = await https("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: (csrfCookie ?? "").split(";")[0] ?? "" },
      body: new URLSearchParams({ ...fields, username: "spoon", password: "spoon" }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("__Host-eo_session="))).toMatch(
      /HttpOnly.*Secure|Secure.*HttpOnly/,
    );
  });
});
