// Interop: oidc-client-ts in a small single-page app (examples/spa/) served on its own loopback origin and
// driven in headless Chromium (playwright-core; test/e2e/chromium.ts finds the browser, never downloading one).
// The app is a public client registered for this run (its redirect URIs on the app's origin): code + PKCE sign-in
// with the user typing on our login page and allowing on the consent page, UserInfo, silent renew with the refresh
// token (rotated), silent renew through a hidden iframe (prompt=none), and sign-out through the end-session
// endpoint back to the app. Every call the library makes to the provider is cross-origin, so this needs CORS.
import type { Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { serveSpa } from "../../examples/spa/server";
import { findChromium } from "../e2e/chromium";
import { USER, adminRegister } from "./support";

const issuer = inject("issuer");

/** What the app reports (examples/spa/app.js summary()). Functions passed to page.evaluate run in the page: casts only. */
interface SpaUser {
  sub: string;
  email: string | null;
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
}
interface SpaFailure {
  error: string | null;
  message: string;
}
interface PageResult {
  page: string;
  user?: SpaUser | null;
  state?: unknown;
  failure?: SpaFailure;
}
interface SpaWindow {
  spa: {
    ready: Promise<PageResult>;
    signIn: () => Promise<void>;
    user: () => Promise<SpaUser | null>;
    renewWithRefreshToken: () => Promise<SpaUser | null>;
    renewWithIframe: () => Promise<{ user?: SpaUser | null } & Partial<SpaFailure>>;
    signOut: () => Promise<void>;
  };
}

describe("oidc-client-ts SPA in headless Chromium", () => {
  let server: Server | undefined;
  let origin = "";
  let clientId = "";
  let browser: Browser | undefined;
  let page: Page | undefined;
  /** Why Chromium is not available; reported by each test, so the run counts failures, not skips. */
  let unavailable: string | undefined;
  /** URLs the browser requested at the provider, in order. */
  const requested: URL[] = [];
  let signedIn: SpaUser | undefined;

  beforeAll(async () => {
    ({ server, origin } = await serveSpa({
      issuer,
      clientId: () => clientId,
      basePath: "",
      host: "127.0.0.1",
      port: 0,
    }));
    clientId = `interop-spa-${crypto.randomUUID().slice(0, 8)}`;
    await adminRegister(issuer, {
      client_id: clientId,
      client_name: "Interop SPA (oidc-client-ts)",
      token_endpoint_auth_method: "none",
      redirect_uris: [`${origin}/callback`, `${origin}/silent`],
      post_logout_redirect_uris: [`${origin}/signed-out`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      scope: "openid profile email offline_access",
    });
    let found;
    try {
      found = await findChromium();
    } catch (err) {
      unavailable = `no Chromium to drive: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.origin === issuer) requested.push(url);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  function thePage(): Page {
    if (unavailable !== undefined) throw new Error(unavailable);
    if (!page) throw new Error("Chromium did not start");
    return page;
  }

  /** Start an action that navigates away; report the library's error if it fails before navigating. */
  async function navigateBy(p: Page, action: "signIn" | "signOut", until: (url: URL) => boolean): Promise<void> {
    const outcome = p
      .evaluate(async (name) => {
        try {
          await (window as unknown as SpaWindow).spa[name]();
          return "navigating";
        } catch (err) {
          return `failed: ${err instanceof Error ? err.message : String(err)}`;
        }
      }, action)
      .catch(() => "navigating"); // the page unloads while evaluating: the navigation has begun
    const arrived = p.waitForURL(until).then(() => undefined);
    // If the library fails before navigating (a CORS refusal of discovery, say), say so at once.
    const refused = outcome.then((o) => (o.startsWith("failed") ? o : arrived.then(() => undefined)));
    arrived.catch(() => undefined); // a late timeout after a refusal is not an unhandled rejection
    const failure = await Promise.race([arrived, refused]);
    if (failure !== undefined) throw new Error(`${action} did not navigate: ${failure}`);
  }

  async function pageResult(p: Page): Promise<PageResult> {
    return p.evaluate(() => (window as unknown as SpaWindow).spa.ready);
  }

  it("discovery is readable from the app's origin (CORS)", async () => {
    const p = thePage();
    await p.goto(`${origin}/`);
    expect((await pageResult(p)).page).toBe("home");
    const status = await p.evaluate(async (url) => {
      try {
        return (await fetch(url)).status;
      } catch (err) {
        return String(err);
      }
    }, `${issuer}/.well-known/openid-configuration`);
    expect(status).toBe(200);
  });

  it("signs in: code + PKCE, the user types on the login page and allows, UserInfo loaded", async () => {
    const p = thePage();
    await p.goto(`${origin}/`);
    await pageResult(p);
    await navigateBy(p, "signIn", (url) => url.origin === issuer);
    const authorize = requested.find((url) => url.pathname === "/authorize");
    expect(authorize?.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize?.searchParams.get("response_type")).toBe("code");

    await p.locator("input[name=username]").fill(USER.username);
    const password = p.locator("input[name=password]");
    await password.fill(USER.password);
    await password.press("Enter");
    await p.locator("button[name=decision][value=allow]").click();
    await p.waitForURL((url) => url.origin === origin && url.pathname === "/callback");
    const result = await pageResult(p);
    expect(result.failure).toBeUndefined();
    const user = result.user;
    if (!user) throw new Error("no user after the callback");
    expect(user.sub.length).toBeGreaterThan(0);
    // loadUserInfo: the profile is merged with the UserInfo response, fetched cross-origin.
    expect(typeof user.email).toBe("string");
    expect(user.refreshToken).not.toBeNull();
    expect(requested.some((url) => url.pathname === "/userinfo")).toBe(true);
    signedIn = user;
  });

  it("silent renew with the refresh token: new tokens, the refresh token rotated", async () => {
    const p = thePage();
    if (!signedIn) throw new Error("not signed in");
    const renewed = await p.evaluate(() => (window as unknown as SpaWindow).spa.renewWithRefreshToken());
    if (!renewed) throw new Error("no user after signinSilent");
    expect(renewed.sub).toBe(signedIn.sub);
    expect(renewed.accessToken).not.toBe(signedIn.accessToken);
    expect(renewed.refreshToken).not.toBeNull();
    expect(renewed.refreshToken).not.toBe(signedIn.refreshToken);
    signedIn = renewed;
  });

  it("silent renew in a hidden iframe (prompt=none)", async () => {
    const p = thePage();
    if (!signedIn) throw new Error("not signed in");
    const renewed = await p.evaluate(() => (window as unknown as SpaWindow).spa.renewWithIframe());
    expect(renewed.message, renewed.message).toBeUndefined();
    expect(renewed.user?.sub).toBe(signedIn.sub);
    expect(renewed.user?.accessToken).not.toBe(signedIn.accessToken);
    signedIn = renewed.user ?? signedIn;
  });

  it("signs out: end-session endpoint, back at post_logout_redirect_uri with state; then prompt=none fails", async () => {
    const p = thePage();
    if (!signedIn) throw new Error("not signed in");
    await navigateBy(p, "signOut", (url) => url.origin === origin && url.pathname === "/signed-out");
    // revokeTokensOnSignout: the tokens were revoked (cross-origin) before leaving for the provider.
    expect(requested.some((url) => url.pathname === "/revoke")).toBe(true);
    const logout = requested.find((url) => url.pathname === "/logout");
    expect(logout?.searchParams.get("id_token_hint")).toBe(signedIn.idToken);
    expect(logout?.searchParams.get("post_logout_redirect_uri")).toBe(`${origin}/signed-out`);
    const result = await pageResult(p);
    expect(result.failure).toBeUndefined();
    expect(result.page).toBe("signed-out");
    expect(result.state).toBe("spa-signed-out");
    expect(result.user).toBeNull();
    // The provider's session ended with the sign-out: a silent sign-in now needs a login.
    const silent = await p.evaluate(() => (window as unknown as SpaWindow).spa.renewWithIframe());
    expect(silent.error).toBe("login_required");
  });
});
