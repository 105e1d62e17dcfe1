// End-to-end in a real browser: headless Chromium (test/e2e/chromium.ts finds one, driven by playwright-core;
// never a downloaded browser) signs in on the login page, allows on the consent page if one is shown,
// and lands on the client's redirect_uri, which the test intercepts; the code is then redeemed with
// openid-client. Also checks the login page's security headers and takes a screenshot of it.
import * as client from "openid-client";
import { chromium, type Browser, type Page, type Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findChromium } from "./chromium";

const issuer = inject("issuer");
const CLIENT_ORIGIN = "http://localhost:3000";
const REDIRECT_URI = `${CLIENT_ORIGIN}/callback`;
const SCREENSHOT = "/tmp/e2e-login.png";

/** The request the browser sent to the client's redirect_uri. */
interface CallbackRequest {
  url: URL;
  method: string;
  body: string;
}

describe("login pages in headless Chromium", () => {
  let browser: Browser | undefined;
  /** Why Chromium is not available; reported by the test itself, so the run counts a failed test, not a skip. */
  let unavailable: string | undefined;

  beforeAll(async () => {
    let found;
    try {
      found = await findChromium();
    } catch (err) {
      unavailable = `no Chromium to drive: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A browser context whose requests to the client's origin are answered by the test and recorded. */
  async function clientPage() {
    if (unavailable !== undefined) throw new Error(unavailable);
    if (!browser) throw new Error("Chromium did not start");
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // Nothing listens on the client's origin: answer the callback ourselves and remember the request.
    let resolveCallback: (request: CallbackRequest) => void = () => {};
    const callback = new Promise<CallbackRequest>((r) => (resolveCallback = r));
    // Some Chromium builds (the bundled one of test/e2e/chromium.ts) do not route a redirected navigation: the
    // request itself is recorded either way.
    page.on("request", (request) => {
      if (request.url().startsWith(`${CLIENT_ORIGIN}/`)) {
        resolveCallback({ url: new URL(request.url()), method: request.method(), body: request.postData() ?? "" });
      }
    });
    await page.route(`${CLIENT_ORIGIN}/**`, async (route: Route) => {
      const request = route.request();
      resolveCallback({ url: new URL(request.url()), method: request.method(), body: request.postData() ?? "" });
      await route.fulfill({
        status: 200,
        contentType: "text/html; charset=utf-8",
        body: "<!doctype html><title>callback</title><p>client callback reached</p>",
      });
    });
    return { context, page, callback };
  }

  /** Sign in on the login page the browser shows, and allow on the consent page if one appears. */
  async function signIn(page: Page, callback: Promise<CallbackRequest>): Promise<CallbackRequest> {
    const username = page.locator("input[name=username]");
    const password = page.locator("input[name=password]");
    await username.fill("spoon");
    await password.fill("spoon");
    const form = page.locator("form", { has: password });
    const submit = form.locator("button[type=submit], input[type=submit], button:not([type])").first();
    if ((await submit.count()) > 0) await submit.click();
    else await password.press("Enter");

    // Either the consent page appears, or the provider goes straight to the callback.
    const allow = page.locator("button[name=decision][value=allow]");
    const next = await Promise.race([
      callback.then(() => "callback" as const),
      allow.waitFor({ state: "visible" }).then(
        () => "consent" as const,
        () => "neither" as const, // also what a pending wait turns into when the context closes
      ),
    ]);
    if (next === "neither") throw new Error(`neither consent page nor callback after login (at ${page.url()})`);
    if (next === "consent") await allow.click();
    return callback;
  }

  it("signs in, consents and reaches the redirect_uri with code, state and iss", async () => {
    const config = await client.discovery(new URL(issuer), "demo", undefined, client.ClientSecretBasic("demo-secret"), {
      execute: [client.allowInsecureRequests],
    });
    const state = client.randomState();
    const nonce = client.randomNonce();
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid profile email",
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: "S256",
    });

    const { context, page, callback } = await clientPage();
    try {
      const loginResponse = await page.goto(authorizationUrl.href, { waitUntil: "domcontentloaded" });
      expect(loginResponse, "no response for the authorization URL").not.toBeNull();
      if (!loginResponse) return;
      expect(loginResponse.status()).toBe(200);
      expect(new URL(loginResponse.url()).origin).toBe(issuer);

      // The login page must not be framed (clickjacking) nor sniffed.
      const headers = await loginResponse.allHeaders();
      expect(headers["content-security-policy"] ?? "").toContain("frame-ancestors 'none'");
      expect(headers["x-content-type-options"]).toBe("nosniff");

      await expect.poll(() => page.locator("input[name=username]").count()).toBe(1);
      await expect.poll(() => page.locator("input[name=password]").count()).toBe(1);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      const { url: callbackUrl, method } = await signIn(page, callback);
      expect(method).toBe("GET");
      expect(callbackUrl.origin + callbackUrl.pathname).toBe(REDIRECT_URI);
      expect(callbackUrl.searchParams.get("code")).toBeTruthy();
      expect(callbackUrl.searchParams.get("state")).toBe(state);
      expect(callbackUrl.searchParams.get("iss")).toBe(issuer);
      expect(callbackUrl.searchParams.has("error")).toBe(false);

      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      const claims = tokens.claims();
      expect(claims?.iss).toBe(issuer);
      expect(claims?.nonce).toBe(nonce);
      expect(typeof claims?.sub).toBe("string");
    } finally {
      await context.close();
    }
  });

  it("response_mode=form_post: the page's own script posts the response to the redirect_uri", async () => {
    const config = await client.discovery(
      new URL(issuer),
      "demo-post",
      undefined,
      client.ClientSecretPost("demo-secret"),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "openid profile email",
      state,
      nonce,
      response_mode: "form_post",
    });

    const { context, page, callback } = await clientPage();
    // The auto-submit script runs only if the page's CSP nonce admits it: a violation would hang here.
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    try {
      await page.goto(authorizationUrl.href, { waitUntil: "domcontentloaded" });
      const { url, method, body } = await signIn(page, callback);
      expect(violations).toEqual([]);
      expect(method).toBe("POST");
      expect(url.href).toBe(REDIRECT_URI);
      const fields = new URLSearchParams(body);
      expect(fields.get("code")).toBeTruthy();
      expect(fields.get("state")).toBe(state);
      expect(fields.get("iss")).toBe(issuer);

      const tokens = await client.authorizationCodeGrant(
        config,
        new Request(REDIRECT_URI, {
          method: "POST",
          body: fields,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        }),
        { expectedState: state, expectedNonce: nonce },
      );
      expect(tokens.claims()?.aud).toContain("demo-post");
    } finally {
      await context.close();
    }
  });
});
