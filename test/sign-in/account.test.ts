// The account page (/account): sign-in first through the journey, then sessions, connected apps, the authenticator
// app and recovery codes, the password; CSRF, the recent-sign-in rule, and the admin API's factor reset.
import { afterEach, describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { admin, authorize, authorizeUrl, Browser, ISSUER, newUser, redeem, refresh, type Tokens } from "../helpers";
import { accountCsrf, accountPage, enrolTotp, follow } from "./support";

afterEach(() => setClockOffset(0));

const notice = (res: Response) => new URL(res.headers.get("location") ?? "", ISSUER).searchParams.get("notice");

describe("the account page", () => {
  it("asks for a sign-in first, then comes back to the page; its headers are a page's", async () => {
    const user = await newUser();
    const browser = new Browser();
    const first = await browser.fetch("/account");
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toMatch(/^\/login\?interaction=/);
    const html = await accountPage(browser, user);
    expect(html).toContain("Test User");
    const again = await browser.fetch("/account");
    expect(again.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(again.headers.get("cache-control")).toBe("no-store");
  });

  it("speaks the browser's language (de, fr)", async () => {
    const user = await newUser();
    const browser = new Browser();
    await accountPage(browser, user);
    const de = await browser.fetch("/account", { headers: { "accept-language": "de-CH,de;q=0.9" } });
    const html = await de.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("<h1>Ihr Konto</h1>");
    expect(html).toContain("Passkey hinzufügen");
    const fr = await (await browser.fetch("/account", { headers: { "accept-language": "fr" } })).text();
    expect(fr).toContain("Ajouter une clé d&#39;accès");
  });

  it("refuses a form without this browser's CSRF token", async () => {
    const user = await newUser();
    const browser = new Browser();
    await accountPage(browser, user);
    const res = await browser.post("/account", { csrf: "forged", action: "end_all_sessions" });
    expect(res.status).toBe(403);
    // An action named like an object's own members names nothing.
    const page = await accountPage(browser, user);
    for (const action of ["toString", "__proto__", "constructor"]) {
      const odd = await browser.post("/account", { csrf: accountCsrf(page), action });
      expect(odd.status).toBe(303);
      expect(odd.headers.get("location")).toBe("/account?notice=failed");
    }
  });

  it("lists the sessions and signs another one out", async () => {
    const user = await newUser();
    const laptop = new Browser();
    const phone = new Browser();
    await accountPage(laptop, user);
    const page = await accountPage(phone, user);
    const sids = [...page.matchAll(/name="sid" value="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sids).toHaveLength(1);
    expect(page).toContain("This browser");
    const res = await phone.post("/account", { csrf: accountCsrf(page), action: "end_session", sid: sids[0] ?? "" });
    expect(notice(res)).toBe("done");
    // The laptop's session is over: /account asks it to sign in again.
    expect((await laptop.fetch("/account")).headers.get("location")).toMatch(/^\/login\?/);
    expect((await phone.fetch("/account")).status).toBe(200);
  });

  it("removing a connected app's access revokes its grants for the user", async () => {
    const user = await newUser();
    const browser = new Browser();
    const location = await authorize(browser, { scope: "openid offline_access" }, user);
    const tokens = await (await redeem(location.searchParams.get("code") ?? "")).json<Tokens>();
    const page = await accountPage(browser, user);
    expect(page).toContain("Demo");
    const res = await browser.post("/account", {
      csrf: accountCsrf(page),
      action: "consent_revoke",
      client_id: "demo",
    });
    expect(notice(res)).toBe("done");
    // The Account tells the Grant by its alarm: the refresh token stops working.
    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) {
      status = (await refresh(tokens.refresh_token ?? "")).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(400);
    // And the next authorization asks for consent again.
    const next = await follow(browser, await browser.fetch(authorizeUrl()));
    expect(next.html).toContain('value="allow"');
  });

  it("turns the authenticator app off, and regenerates recovery codes, only with a recent sign-in", async () => {
    const user = await newUser();
    const browser = new Browser();
    await enrolTotp(browser, await accountPage(browser, user));
    const page = await follow(browser, await browser.fetch("/account"));
    expect(page.html).toContain("10 unused recovery codes.");
    const regenerated = await browser.post("/account", { csrf: accountCsrf(page.html), action: "recovery_regenerate" });
    expect([...(await regenerated.text()).matchAll(/<li>[0-9a-z]{5}-[0-9a-z]{5}<\/li>/g)]).toHaveLength(10);
    setClockOffset(301);
    const stale = await browser.post("/account", { csrf: accountCsrf(page.html), action: "totp_remove" });
    expect(stale.headers.get("location")).toMatch(/^\/login\?interaction=/);
    setClockOffset(0);
    const removed = await browser.post("/account", { csrf: accountCsrf(page.html), action: "totp_remove" });
    expect(notice(removed)).toBe("done");
    const factors = await (
      await admin(`/users/${user.sub}/factors`, "GET")
    ).json<{ totp: boolean; recoveryCodesLeft: number }>();
    expect(factors).toMatchObject({ totp: false, recoveryCodesLeft: 0 });
  });

  it("changes the password with the current one, and signs out everywhere", async () => {
    const user = await newUser();
    const browser = new Browser();
    const page = await accountPage(browser, user);
    const wrong = await browser.post("/account", {
      csrf: accountCsrf(page),
      action: "password_change",
      current_password: "not it",
      new_password: "a new password",
    });
    expect(notice(wrong)).toBe("wrong_password");
    const changed = await browser.post("/account", {
      csrf: accountCsrf(page),
      action: "password_change",
      current_password: user.password,
      new_password: "a new password",
    });
    expect(notice(changed)).toBe("password_changed");
    expect((await browser.fetch("/account")).headers.get("location")).toMatch(/^\/login\?/);
    await accountPage(new Browser(), { ...user, password: "a new password" });
  });
});

describe("admin: a user's factors", () => {
  it("lists them and resets the second factor", async () => {
    const user = await newUser();
    const browser = new Browser();
    await enrolTotp(browser, await accountPage(browser, user));
    const before = await (await admin(`/users/${user.sub}/factors`, "GET")).json<{ totp: boolean }>();
    expect(before.totp).toBe(true);
    const reset = await admin(`/users/${user.sub}/reset-second-factor`, "POST", {});
    expect(reset.status).toBe(200);
    const after = await (
      await admin(`/users/${user.sub}/factors`, "GET")
    ).json<{ totp: boolean; recoveryCodesLeft: number }>();
    expect(after).toMatchObject({ totp: false, recoveryCodesLeft: 0 });
    // A password signs in alone again.
    await accountPage(new Browser(), user);
  });
});
