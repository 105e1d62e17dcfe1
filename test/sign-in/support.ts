// Helpers for the sign-in tests: the account page driven like a browser, an authenticator app's codes.
import { expect } from "vitest";
import { nowSeconds } from "../../src/clock";
import { base32Decode } from "../../src/lib/base32";
import { timeStep, totpCode } from "../../src/lib/totp";
import { Browser, hiddenFields, ISSUER, redeem, verifyWithJwks, type TestUser } from "../helpers";

/** Follows same-origin redirects; answers the last response and its body. */
export async function follow(browser: Browser, res: Response): Promise<{ res: Response; html: string }> {
  for (let i = 0; i < 8; i++) {
    const location = res.headers.get("location");
    if (!location) return { res, html: await res.text() };
    const url = new URL(location, ISSUER);
    if (url.origin !== ISSUER) return { res, html: "" };
    res = await browser.fetch(url.toString());
  }
  throw new Error("too many redirects");
}

/** Signs in to the account page with the password; answers the page. */
export async function accountPage(browser: Browser, user: TestUser): Promise<string> {
  let { res, html } = await follow(browser, await browser.fetch("/account"));
  if (html.includes('name="password"')) {
    ({ res, html } = await follow(
      browser,
      await browser.post("/login", { ...loginFields(html), username: user.username, password: user.password }),
    ));
  }
  expect(res.status).toBe(200);
  expect(html).toContain("<h1>Your account</h1>");
  return html;
}

/** The hidden fields of the page's first form (the login form, not the passkey form below it). */
export function loginFields(html: string): Record<string, string> {
  const form = html.slice(html.indexOf("<form"), html.indexOf("</form>"));
  return hiddenFields(form);
}

/** The account page's form token. */
export function accountCsrf(html: string): string {
  const csrf = hiddenFields(html).csrf;
  if (!csrf) throw new Error("no csrf on the page");
  return csrf;
}

/** Turns the authenticator app on: begin, read the key from the page, confirm with a code. Answers secret and codes. */
export async function enrolTotp(
  browser: Browser,
  html: string,
): Promise<{ secret: Uint8Array; recoveryCodes: string[] }> {
  const csrf = accountCsrf(html);
  const page = await follow(browser, await browser.post("/account", { csrf, action: "totp_begin" }));
  const key = /<span class="secret">([A-Z2-7 ]+)<\/span>/.exec(page.html)?.[1];
  expect(key).toBeDefined();
  expect(page.html).toMatch(/<svg [^>]*role="img"/);
  const secret = base32Decode(key ?? "");
  if (!secret) throw new Error("the key is not base32");
  const confirmed = await browser.post("/account", { csrf, action: "totp_confirm", code: await codeAt(secret, 0) });
  expect(confirmed.status).toBe(200);
  const body = await confirmed.text();
  const recoveryCodes = [...body.matchAll(/<li>([0-9a-z]{5}-[0-9a-z]{5})<\/li>/g)].map((m) => m[1] ?? "");
  expect(recoveryCodes).toHaveLength(10);
  return { secret, recoveryCodes };
}

/** The app's code for the current time step moved by `steps`. */
export function codeAt(secret: Uint8Array, steps: number): Promise<string> {
  return totpCode(secret, timeStep(nowSeconds()) + steps);
}

/** Follows the journey to the client's redirect, allowing consent on the way; answers the client's redirect URL. */
export async function toClient(browser: Browser, res: Response): Promise<URL> {
  for (let i = 0; i < 8; i++) {
    const location = res.headers.get("location");
    if (location) {
      const url = new URL(location, ISSUER);
      if (url.origin !== ISSUER) return url;
      res = await browser.fetch(url.toString());
      continue;
    }
    const html = await res.text();
    if (!html.includes('value="allow"')) throw new Error(`unexpected page ${res.status}: ${html.slice(0, 400)}`);
    res = await browser.post("/consent", { ...hiddenFields(html), decision: "allow" });
  }
  throw new Error("too many steps");
}

/** The ID token of the code at the client's redirect, redeemed by the demo client and verified against the JWKS. */
export async function idTokenAt(url: URL) {
  const code = url.searchParams.get("code");
  expect(code, url.href).toBeTruthy();
  const tokens = await (await redeem(code ?? "")).json<{ id_token: string }>();
  return verifyWithJwks(tokens.id_token, "demo");
}
