// End-to-end in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// never a downloaded browser) signs in on the login page, allows on the consent page if one is shown,
// and lands on the client's redirect_uri, which the test intercepts; the code is then redeemed with
// openid-client. Also checks the login page's security headers and takes a screenshot of it.
import { existsSync } from "node:fs";
import * as client from "openid-client";
import { chromium, type Browser, type Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const issuer = inject("issuer");
const CHROMIUM = "/usr/bin/chromium-missing";
const REDIRECT_URI = "http://localhost:3000/callback";
const SCREENSHOT = "/tmp/e2e-login.png";

describe("login pages in headless Chromium", () => {
  let browser: Browser | undefined;
  /** Why Chromium is not available; reported by the test itself, so the run counts a failed test, not a skip. */
  let unavailable: string | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      unavailable =
        `${CHROMIUM} not found: the browser tier needs Debian's Chromium (apt-get install -y chromium); ` +
        "playwright-core never downloads a browser here";
      return;
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("signs in, consents and reaches the redirect_uri with code, state and iss", async () => {
    if (unavailable !== undefined) throw new Error(unavailable);
    if (!browser) throw new Error("Chromium did not start");
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

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);

      // Nothing listens on the client's origin: answer the callback ourselves and remember its URL.
      let resolveCallback: (url: URL) => void = () => {};
      const callback = new Promise<URL>((r) => (resolveCallback = r));
      // Seen as a request too, in case the browser follows a redirect hop without consulting the route.
      page.on("request", (request) => {
        if (request.url().startsWith("http://localhost:3000/")) resolveCallback(new URL(request.url()));
      });
      await page.route("http://localhost:3000/**", async (route: Route) => {
        resolveCallback(new URL(route.request().url()));
        await route.fulfill({
          status: 200,
          contentType: "text/html; charset=utf-8",
          body: "<!doctype html><title>callback</title><p>client callback reached</p>",
        });
      });

      const loginResponse = await page.goto(authorizationUrl.href, { waitUntil: "domcontentloaded" });
      expect(loginResponse, "no response for the authorization URL").not.toBeNull();
      if (!loginResponse) return;
      expect(loginResponse.status()).toBe(200);
      expect(new URL(loginResponse.url()).origin).toBe(issuer);

      // The login page must not be framed (clickjacking) nor sniffed.
      const headers = await loginResponse.allHeaders();
      expect(headers["content-security-policy"] ?? "").toContain("frame-ancestors 'none'");
      expect(headers["x-content-type-options"]).toBe("nosniff");

      const username = page.locator("input[name=username]");
      const password = page.locator("input[name=password]");
      await expect.poll(() => username.count()).toBe(1);
      await expect.poll(() => password.count()).toBe(1);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

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
      const callbackUrl = await callback;

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
});
