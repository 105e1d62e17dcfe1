// The sign-in pages as people see them: language (OIDC Core §3.1.2.1 ui_locales, then Accept-Language), branding
// from Worker vars, "Cancel" and "Not you?", the messages for a wrong password, a lockout and an expired sign-in,
// and the accessibility hooks (labels, focus, alerts tied to their fields).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { config } from "../../src/config";
import type { Env } from "../../src/env";
import { app } from "../../src/index";
import { hashPassword } from "../../src/users/password";
import { saveUser } from "../../src/users/store";
import { brandFrom, CARD, contrastRatio, relativeLuminance, TEXT, textOn } from "../../src/views/branding";
import { chooseLocale } from "../../src/views/i18n";
import { Browser, DEMO_REDIRECT, ISSUER, authorizeUrl, hiddenFields } from "../helpers";

/** The login page of a fresh authorization request. */
async function loginPage(browser: Browser, options: Record<string, string> = {}, headers: HeadersInit = {}) {
  const first = await browser.fetch(authorizeUrl(options), { headers });
  expect(first.status).toBe(303);
  return browser.fetch(first.headers.get("location") ?? "", { headers });
}

/** Signed in as `user`, on the consent page. */
async function consentPage(
  browser: Browser,
  options: Record<string, string> = {},
  user = "spoon",
  headers: HeadersInit = {},
): Promise<string> {
  const login = await loginPage(browser, options, headers);
  const res = await browser.post("/login", { ...hiddenFields(await login.text()), username: user, password: user });
  expect(res.status).toBe(303);
  const page = await browser.fetch(res.headers.get("location") ?? "", { headers });
  expect(page.status).toBe(200);
  return page.text();
}

const lang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];

describe("page language", () => {
  it("chooseLocale: ui_locales in order, then Accept-Language by quality, then English", () => {
    expect(chooseLocale("es fr-CA de", "de")).toBe("fr");
    expect(chooseLocale("es", "es, de-AT;q=0.4, fr;q=0.8")).toBe("fr");
    expect(chooseLocale(undefined, "de-DE,de;q=0.9,en;q=0.8")).toBe("de");
    expect(chooseLocale(undefined, "fr;q=0, de;q=0.1")).toBe("de");
    expect(chooseLocale("", "ja, *;q=0.5")).toBe("en");
    expect(chooseLocale(undefined, undefined)).toBe("en");
  });

  it("ui_locales picks the login page's language and <html lang>, ahead of Accept-Language", async () => {
    const res = await loginPage(new Browser(), { ui_locales: "es fr-CA" }, { "accept-language": "de" });
    const html = await res.text();
    expect(lang(html)).toBe("fr");
    expect(html).toContain("<title>Connexion · edge-oidc</title>");
    expect(html).toContain("Mot de passe");
  });

  it("without ui_locales, Accept-Language decides; without either, English", async () => {
    const german = await (await loginPage(new Browser(), {}, { "accept-language": "de-CH, en;q=0.5" })).text();
    expect(lang(german)).toBe("de");
    expect(german).toContain("Benutzername");
    const english = await (await loginPage(new Browser(), { ui_locales: "ja" })).text();
    expect(lang(english)).toBe("en");
    expect(english).toContain("Username");
  });

  it("the consent page in German describes each scope in German, the scope name beside it", async () => {
    const html = await consentPage(new Browser(), { ui_locales: "de", scope: "openid profile offline_access" });
    expect(lang(html)).toBe("de");
    expect(html).toContain("<title>Zugriff erlauben? · edge-oidc</title>");
    expect(html).toContain("<span>Bestätigen, wer Sie sind</span><code>openid</code>");
    expect(html).toContain(config.scopeDescriptions.profile?.de);
    expect(html).toContain(config.scopeDescriptions.offline_access?.de);
    expect(html).toContain("Angemeldet als <strong>Sam Spoon</strong>");
    expect(html).toContain('<button type="submit" name="decision" value="allow">Erlauben</button>');
  });

  it("discovery advertises the page languages (OIDC Discovery §3 ui_locales_supported)", async () => {
    const meta = await (await new Browser().fetch("/.well-known/openid-configuration")).json<Record<string, unknown>>();
    expect(meta.ui_locales_supported).toEqual(["en", "de", "fr"]);
  });

  it("every scope has a description in every language", () => {
    for (const scope of config.scopes) {
      for (const locale of config.locales) expect(config.scopeDescriptions[scope]?.[locale]).toBeTruthy();
    }
  });
});

describe("branding from Worker vars", () => {
  /** The login page rendered with these vars set, as a deployment's dashboard would. */
  async function brandedLogin(vars: Partial<Env>): Promise<Response> {
    const branded: Env = { ...env, ...vars };
    const call = (url: string, cookie?: string) =>
      app.fetch(new Request(new URL(url, ISSUER), { redirect: "manual", headers: cookie ? { cookie } : {} }), branded);
    const first = await call(authorizeUrl());
    return call(first.headers.get("location") ?? "");
  }

  it("shows the configured name and logo, and the CSP admits the logo's origin only", async () => {
    const res = await brandedLogin({
      BRAND_NAME: "Acme <Corp>",
      BRAND_LOGO_URL: "https://cdn.acme.example/logo.svg",
      BRAND_PRIMARY_COLOR: "#0B6E4F",
    });
    const html = await res.text();
    expect(html).toContain("<span>Acme &lt;Corp&gt;</span>");
    expect(html).toContain("· Acme &lt;Corp&gt;</title>");
    expect(html).toContain('<img src="https://cdn.acme.example/logo.svg" alt=""');
    expect(html).toContain("--primary:#0b6e4f;--on-primary:#ffffff");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("img-src 'self' https://cdn.acme.example;");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("a light primary colour gets black button text, and links fall back to the text colour", async () => {
    const html = await (await brandedLogin({ BRAND_PRIMARY_COLOR: "#ffd84d" })).text();
    expect(html).toContain(`--primary:#ffd84d;--on-primary:#000000;--link:${TEXT}`);
  });

  it("ignores a colour that is not #rrggbb and a logo that is not https, so nothing can be injected", async () => {
    const res = await brandedLogin({
      BRAND_PRIMARY_COLOR: "red;}body{background:url(https://evil.example/)",
      BRAND_BACKGROUND_COLOR: "#fff",
      BRAND_LOGO_URL: "http://evil.example/logo.png",
    });
    const html = await res.text();
    expect(html).not.toContain("evil.example");
    expect(html).not.toContain("<img");
    expect(html).toContain(`--primary:${brandFrom(env).primary};`);
    expect(html).toContain(`--bg:${brandFrom(env).background};`);
    expect(res.headers.get("content-security-policy")).toContain("img-src 'self';");
  });

  it("a logo over plain http is accepted on loopback only", () => {
    expect(brandFrom({ ...env, BRAND_LOGO_URL: "http://localhost:8787/logo.png" }).logo?.href).toBe(
      "http://localhost:8787/logo.png",
    );
    expect(brandFrom({ ...env, BRAND_LOGO_URL: "javascript:alert(1)" }).logo).toBeUndefined();
  });
});

describe("contrast (WCAG 2.2 AA)", () => {
  it("relative luminance and contrast ratio follow the WCAG formulas", () => {
    expect(relativeLuminance("#000000")).toBe(0);
    expect(relativeLuminance("#ffffff")).toBeCloseTo(1, 10);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 5);
    // A published reference pair: #767676 on white is 4.54:1.
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });

  it("button text is white when it reaches 4.5:1, else black or white, whichever contrasts more", () => {
    expect(textOn("#2457c5")).toBe("#ffffff");
    expect(textOn("#ffcc00")).toBe("#000000");
    expect(textOn("#00a0a0")).toBe("#000000");
    for (const primary of ["#ff0000", "#00ff00", "#777777", "#7f7fff", "#1a1a1a", "#f0f0f0"]) {
      expect(contrastRatio(textOn(primary), primary)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("every default colour pairing meets AA", () => {
    const brand = brandFrom(env);
    expect(contrastRatio(TEXT, CARD)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(brand.onPrimary, brand.primary)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(brand.link, CARD)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(brand.onBackground, brand.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(brand.focus, CARD)).toBeGreaterThanOrEqual(3);
    // layout.ts: muted text on the card and on the account strip, the alert, the input borders (3:1).
    expect(contrastRatio("#52606d", CARD)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#52606d", "#f5f7fa")).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#912018", "#fef3f2")).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#7b8794", CARD)).toBeGreaterThanOrEqual(3);
  });
});

describe("Cancel on the login page", () => {
  it("returns access_denied with state and iss to the client (RFC 6749 §4.1.2.1), with no session", async () => {
    const browser = new Browser();
    const page = await (await loginPage(browser)).text();
    // The first button (the one Enter presses) signs in; Cancel skips the required fields' checks.
    expect(page).toMatch(
      /<button type="submit" name="decision" value="login">Sign in<\/button>\s*<button type="submit" name="decision" value="cancel" formnovalidate>Cancel<\/button>/,
    );
    const res = await browser.post("/login", { ...hiddenFields(page), decision: "cancel" });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(DEMO_REDIRECT);
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("iss")).toBe(ISSUER);
    expect(browser.hasCookie("eo_session")).toBe(false);
  });

  it("is refused without the browser's CSRF cookie: another site cannot cancel a sign-in", async () => {
    const page = await (await loginPage(new Browser())).text();
    const res = await new Browser().post("/login", { ...hiddenFields(page), decision: "cancel" });
    expect(res.status).toBe(403);
    expect(res.headers.get("location")).toBeNull();
  });
});

describe("messages on the login page", () => {
  it("a wrong password is announced (role=alert) and tied to both fields", async () => {
    const browser = new Browser();
    const page = await (await loginPage(browser)).text();
    const res = await browser.post("/login", { ...hiddenFields(page), username: "spoon", password: "nope" });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<p class="alert" id="login-error" role="alert">Wrong username or password.</p>');
    expect(html).toMatch(/<input id="username"[^>]* aria-describedby="login-error" aria-invalid="true"/);
    expect(html).toMatch(/<input id="password"[^>]* autofocus aria-describedby="login-error" aria-invalid="true"/);
  });

  it("a lockout says to try again later, in the same words whether or not the account exists", async () => {
    const lockedOut = async (username: string) => {
      const browser = new Browser();
      let html = "";
      for (let i = 0; i < config.loginThrottle.perAccountAndSource.maxFailures + 1; i++) {
        const page = await (await loginPage(browser, { ui_locales: "fr" })).text();
        const res = await browser.post("/login", { ...hiddenFields(page), username, password: "wrong" });
        expect(res.status).toBe(401);
        html = await res.text();
      }
      return html;
    };
    await saveUser(env, {
      v: 1,
      sub: "lockout-user",
      username: "lockout",
      password: await hashPassword("pw", 10_000),
      claims: {},
    });
    const known = await lockedOut("lockout");
    const unknown = await lockedOut("nobody-at-all");
    const message =
      '<p class="alert" id="login-error" role="alert">Trop de tentatives échouées. Réessayez plus tard.</p>';
    expect(known).toContain(message);
    expect(unknown).toContain(message);
  });
});

describe("an expired sign-in", () => {
  afterEach(() => setClockOffset(0));

  it("past the interaction's lifetime, the login page says it took too long, in the page's language", async () => {
    const browser = new Browser();
    const first = await browser.fetch(authorizeUrl());
    setClockOffset(config.lifetimes.interaction + 1);
    const res = await browser.fetch(first.headers.get("location") ?? "", { headers: { "accept-language": "de" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const html = await res.text();
    expect(lang(html)).toBe("de");
    expect(html).toContain('<h1 tabindex="-1" autofocus>Die Anmeldung hat zu lange gedauert</h1>');
    expect(html).toContain("innerhalb von 10 Minuten");
    expect(html).not.toContain("invalid_request");
  });

  it("a form posted after expiry gets the same page, not an error code", async () => {
    const browser = new Browser();
    const page = await (await loginPage(browser)).text();
    setClockOffset(config.lifetimes.interaction + 1);
    const res = await browser.post("/login", { ...hiddenFields(page), username: "spoon", password: "spoon" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("This sign-in took too long");
    expect(html).toContain("Go back to the application and start again.");
    expect(browser.hasCookie("eo_session")).toBe(false);
  });

  it("other errors keep their OAuth code beneath the translated sentences", async () => {
    const res = await new Browser().fetch(authorizeUrl({ client_id: "nobody", ui_locales: "fr" }));
    const html = await res.text();
    expect(lang(html)).toBe("fr");
    expect(html).toContain("La connexion ne peut pas continuer");
    expect(html).toContain('<code id="error">invalid_request</code>');
    expect(html).toContain("unknown client");
  });
});

describe('"Signed in as ... Not you?" on the consent page', () => {
  it("names the user, and signs in someone else for the same request", async () => {
    const browser = new Browser();
    const consent = await consentPage(browser);
    expect(consent).toContain("Signed in as <strong>Sam Spoon</strong>");
    expect(consent).toMatch(
      /<form method="post" action="\/consent\/switch">\s*<input type="hidden" name="interaction"/,
    );
    const fields = hiddenFields(consent);

    const switched = await browser.post("/consent/switch", fields);
    expect(switched.status).toBe(303);
    expect(switched.headers.get("location")).toBe(`/login?interaction=${encodeURIComponent(fields.interaction ?? "")}`);
    expect(switched.headers.getSetCookie().join()).toMatch(/eo_session=;[^,]*Max-Age=0/);

    // The same interaction now signs in fork, whose consent page and code follow.
    const login = await browser.fetch(switched.headers.get("location") ?? "");
    const loggedIn = await browser.post("/login", {
      ...hiddenFields(await login.text()),
      username: "fork",
      password: "fork",
    });
    const forkConsent = await (await browser.fetch(loggedIn.headers.get("location") ?? "")).text();
    expect(forkConsent).toContain("Signed in as <strong>Frankie Fork</strong>");
    const done = await browser.post("/consent", { ...hiddenFields(forkConsent), decision: "allow" });
    const callback = new URL(done.headers.get("location") ?? "");
    expect(callback.searchParams.get("code")).toBeTruthy();
    expect(callback.searchParams.get("state")).toBe("state-123");
  });

  it("is refused without the browser's CSRF cookie, and the session stays", async () => {
    const browser = new Browser();
    const fields = hiddenFields(await consentPage(browser));
    const res = await new Browser().post("/consent/switch", fields);
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().join()).not.toContain("eo_session");
    // The signed-in browser still reaches its consent page.
    expect((await browser.fetch(`/consent?interaction=${encodeURIComponent(fields.interaction ?? "")}`)).status).toBe(
      200,
    );
  });
});

describe("accessibility hooks", () => {
  it("login: a <main> landmark, every field labelled, focus on the username", async () => {
    const html = await (await loginPage(new Browser())).text();
    expect(html).toContain("<main>");
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toMatch(/<input id="username"[^>]* autofocus/);
    expect(html).not.toMatch(/<input id="password"[^>]* autofocus/);
    expect(html).toContain(":focus-visible{outline:3px solid");
  });

  it("login with a login_hint: the username is filled in and focus starts on the password", async () => {
    const html = await (await loginPage(new Browser(), { login_hint: "spoon" })).text();
    expect(html).toMatch(/<input id="username"[^>]* value="spoon">/);
    expect(html).not.toMatch(/<input id="username"[^>]* autofocus/);
    expect(html).toMatch(/<input id="password"[^>]* autofocus/);
  });

  it("consent and error pages: focus starts on the heading", async () => {
    expect(await consentPage(new Browser())).toContain('<h1 tabindex="-1" autofocus>Demo web app wants');
    const error = await (await new Browser().fetch(authorizeUrl({ client_id: "nobody" }))).text();
    expect(error).toContain('<h1 tabindex="-1" autofocus>Sign-in cannot continue</h1>');
    expect(error).toContain("<main>");
  });
});
