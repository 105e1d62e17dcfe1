// Screenshots of every sign-in page at desktop (1280x800) and phone (390x844) width, taken in headless Chromium
// (test/e2e/chromium.ts) against the running worker, and checks of what only a browser shows: where focus starts,
// and that "Cancel" submits past the required fields. The PNGs go to docs/screenshots/ (committed, shown in
// docs/pages-and-branding.md) only with UPDATE_SCREENSHOTS=1, so a normal run leaves the tree clean.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findChromium } from "./chromium";

const issuer = inject("issuer");
const CLIENT_ORIGIN = "http://localhost:3000";
const REDIRECT_URI = `${CLIENT_ORIGIN}/callback`;
const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
type Viewport = keyof typeof VIEWPORTS;

function authorizationUrl(params: Record<string, string> = {}): string {
  const url = new URL("/authorize", issuer);
  const all = {
    client_id: "demo",
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: "openid profile email offline_access",
    state: "screenshot-state",
    ...params,
  };
  for (const [name, value] of Object.entries(all)) url.searchParams.set(name, value);
  return url.href;
}

describe("sign-in pages in headless Chromium: screenshots, focus, cancel", () => {
  let browser: Browser | undefined;
  let unavailable: string | undefined;
  let outDir = "";

  beforeAll(async () => {
    outDir =
      process.env.UPDATE_SCREENSHOTS === "1"
        ? join(REPO_ROOT, "docs", "screenshots")
        : await mkdtemp(join(tmpdir(), "edge-oidc-screenshots-"));
    await mkdir(outDir, { recursive: true });
    try {
      const found = await findChromium();
      browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
    } catch (err) {
      unavailable = `no Chromium to drive: ${err instanceof Error ? err.message : String(err)}`;
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh browser (no cookies) at this width, whose requests to the client's origin the test answers. */
  async function open(viewport: Viewport, locale = "en-US"): Promise<Page> {
    if (unavailable !== undefined) throw new Error(unavailable);
    if (!browser) throw new Error("Chromium did not start");
    const context = await browser.newContext({ viewport: VIEWPORTS[viewport], locale, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.route(`${CLIENT_ORIGIN}/**`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>callback</title>" }),
    );
    return page;
  }

  async function shoot(page: Page, name: string, viewport: Viewport): Promise<void> {
    await page.screenshot({ path: join(outDir, `${name}-${viewport}.png`), fullPage: true });
  }

  /** The id (or tag) of the focused element. */
  const focused = (page: Page) =>
    page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase());

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.fill("#username", username);
    await page.fill("#password", password);
    await page.click("button[name=decision][value=login]");
  }

  for (const viewport of ["desktop", "phone"] as const) {
    it(`${viewport}: login, with focus on the username`, async () => {
      const page = await open(viewport);
      try {
        await page.goto(authorizationUrl());
        await page.waitForSelector("#username");
        expect(await focused(page)).toBe("username");
        await shoot(page, "login", viewport);
      } finally {
        await page.context().close();
      }
    });

    it(`${viewport}: login after a wrong password, the alert shown and focus on the password`, async () => {
      const page = await open(viewport);
      try {
        await page.goto(authorizationUrl());
        await signIn(page, "spoon", "not-the-password");
        await page.waitForSelector("[role=alert]");
        expect(await page.getAttribute("#password", "aria-invalid")).toBe("true");
        expect(await focused(page)).toBe("password");
        await shoot(page, "login-error", viewport);
      } finally {
        await page.context().close();
      }
    });

    for (const locale of ["en", "de"] as const) {
      it(`${viewport}: consent (${locale}), with focus on the heading`, async () => {
        const page = await open(viewport, locale === "de" ? "de-DE" : "en-US");
        try {
          // prompt=consent: the consent page even where an earlier test already allowed these scopes.
          await page.goto(authorizationUrl({ prompt: "consent" }));
          await signIn(page, "spoon", "spoon");
          await page.waitForSelector("button[name=decision][value=allow]");
          expect(await page.getAttribute("html", "lang")).toBe(locale);
          expect(await focused(page)).toBe("h1");
          await shoot(page, locale === "en" ? "consent" : "consent-de", viewport);
        } finally {
          await page.context().close();
        }
      });
    }

    it(`${viewport}: the error page`, async () => {
      const page = await open(viewport);
      try {
        await page.goto(authorizationUrl({ client_id: "no-such-client" }));
        await page.waitForSelector("h1");
        expect(await focused(page)).toBe("h1");
        await shoot(page, "error", viewport);
      } finally {
        await page.context().close();
      }
    });

    it(`${viewport}: logout confirmation (no id_token_hint), then the signed-out page`, async () => {
      const signInPage = await open(viewport);
      try {
        await signInPage.goto(authorizationUrl({ scope: "openid" }));
        // The code's redirect is recorded as a request (some Chromium builds do not route a redirected navigation,
        // and their failing navigation would race ours): the logout pages open in a second tab of the same browser.
        const reachedClient = signInPage.waitForRequest((request) => request.url().startsWith(`${CLIENT_ORIGIN}/`));
        await signIn(signInPage, "spoon", "spoon");
        const allow = signInPage.locator("button[name=decision][value=allow]");
        await Promise.race([reachedClient, allow.waitFor().then(() => allow.click())]);
        await reachedClient;
        const page = await signInPage.context().newPage();
        await page.goto(new URL("/logout?client_id=demo", issuer).href);
        await page.waitForSelector("button[name=decision][value=logout]");
        expect(await focused(page)).toBe("h1");
        await shoot(page, "logout", viewport);
        await page.click("button[name=decision][value=logout]");
        await page.waitForSelector("text=You have signed out");
        await shoot(page, "signed-out", viewport);
      } finally {
        await signInPage.context().close();
      }
    });

    it(`${viewport}: an expired sign-in`, async () => {
      const page = await open(viewport);
      try {
        const res = await page.goto(new URL("/login?interaction=expired", issuer).href);
        expect(res?.status()).toBe(400);
        expect(await page.textContent("h1")).toBe("This sign-in took too long");
        await shoot(page, "expired", viewport);
      } finally {
        await page.context().close();
      }
    });
  }

  it("Cancel on the empty login form (formnovalidate) returns access_denied and state to the client", async () => {
    const page = await open("desktop");
    try {
      await page.goto(authorizationUrl());
      const callback = page.waitForRequest((request) => request.url().startsWith(REDIRECT_URI));
      await page.click("button[name=decision][value=cancel]");
      const url = new URL((await callback).url());
      expect(url.searchParams.get("error")).toBe("access_denied");
      expect(url.searchParams.get("state")).toBe("screenshot-state");
      expect(url.searchParams.get("iss")).toBe(issuer);
    } finally {
      await page.context().close();
    }
  });
});
