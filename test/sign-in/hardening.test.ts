// Attacks on the sign-in methods that a review found, each kept out: an old session adding a passkey through the
// offer, another session confirming an authenticator app someone else began, a signed-out cookie acting on the
// account page, a code in flight outliving "Remove access", and patient guessing of app codes.
import { afterEach, describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { authorizeUrl, Browser, hiddenFields, ISSUER, newUser, redeem, refresh, type Tokens } from "../helpers";
import { accountCsrf, accountPage, codeAt, enrolTotp, follow, loginFields, toClient } from "./support";

afterEach(() => setClockOffset(0));

const notice = (res: Response) => new URL(res.headers.get("location") ?? "", ISSUER).searchParams.get("notice");

describe("hardening", () => {
  it("the passkey offer is only for a password sign-in of this very interaction", async () => {
    const user = await newUser();
    const browser = new Browser();
    await accountPage(browser, user); // a session from another interaction
    const start = await browser.fetch(authorizeUrl({ prompt: "consent" }));
    const interaction = new URL(start.headers.get("location") ?? "", ISSUER).searchParams.get("interaction") ?? "";
    const offer = await browser.fetch(`/login?interaction=${encodeURIComponent(interaction)}&step=passkey_offer`);
    expect(offer.status).toBe(303);
    expect(offer.headers.get("location")).not.toContain("passkey_offer");
    const page = await follow(browser, await browser.fetch(authorizeUrl()));
    const fields = hiddenFields(page.html);
    const posted = await browser.post("/login", {
      ...fields,
      step: "passkey_offer",
      decision: "add_passkey",
      passkey_response: "{}",
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toMatch(/^\/login\?interaction=[^&]+$/);
  });

  it("an authenticator app being set up is seen and confirmed only by the session that began it", async () => {
    const user = await newUser();
    const laptop = new Browser();
    const phone = new Browser();
    const phonePage = await accountPage(phone, user);
    const laptopPage = await accountPage(laptop, user);
    const begun = await follow(
      laptop,
      await laptop.post("/account", { csrf: accountCsrf(laptopPage), action: "totp_begin" }),
    );
    const key = /<span class="secret">([A-Z2-7 ]+)<\/span>/.exec(begun.html)?.[1];
    expect(key).toBeDefined();
    const other = await follow(phone, await phone.fetch("/account"));
    expect(other.html).not.toContain('class="secret"');
    const { base32Decode } = await import("../../src/lib/base32");
    const secret = base32Decode(key ?? "");
    if (!secret) throw new Error("no key");
    const stolen = await phone.post("/account", {
      csrf: accountCsrf(phonePage),
      action: "totp_confirm",
      code: await codeAt(secret, 0),
    });
    expect(notice(stolen)).toBe("failed");
    const own = await laptop.post("/account", {
      csrf: accountCsrf(laptopPage),
      action: "totp_confirm",
      code: await codeAt(secret, 0),
    });
    expect(own.status).toBe(200);
  });

  it("a signed-out session's cookie cannot act on the account page (no second 'sign out everywhere')", async () => {
    const user = await newUser();
    const attacker = new Browser();
    const attackerPage = await accountPage(attacker, user);
    const owner = new Browser();
    const ownerPage = await accountPage(owner, user);
    await owner.post("/account", { csrf: accountCsrf(ownerPage), action: "end_all_sessions" });
    const fresh = new Browser();
    await accountPage(fresh, user);
    const replay = await attacker.post("/account", { csrf: accountCsrf(attackerPage), action: "end_all_sessions" });
    expect(replay.headers.get("location")).toMatch(/^\/login\?interaction=/);
    expect((await fresh.fetch("/account")).status).toBe(200);
  });

  it("a code authorized before 'Remove access' and redeemed after it gives no lasting grant", async () => {
    const user = await newUser();
    const browser = new Browser();
    const login = await follow(browser, await browser.fetch(authorizeUrl({ scope: "openid offline_access" })));
    const consent = await follow(
      browser,
      await browser.post("/login", { ...loginFields(login.html), username: user.username, password: user.password }),
    );
    const location = await toClient(
      browser,
      await browser.post("/consent", { ...hiddenFields(consent.html), decision: "allow" }),
    );
    const page = await accountPage(browser, user);
    expect(
      notice(await browser.post("/account", { csrf: accountCsrf(page), action: "consent_revoke", client_id: "demo" })),
    ).toBe("done");
    const tokens = await (await redeem(location.searchParams.get("code") ?? "")).json<Tokens>();
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      status = (await refresh(tokens.refresh_token ?? "")).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(400);
  });

  it("app-code locks grow: five wrong codes lock 5 minutes, the next five 10 minutes", async () => {
    const user = await newUser();
    const setup = new Browser();
    const { secret } = await enrolTotp(setup, await accountPage(setup, user));
    // Each round signs in with the password again: the checked password is held for 5 minutes only.
    const secondStep = async () => {
      const browser = new Browser();
      const login = await follow(browser, await browser.fetch(authorizeUrl()));
      const form = { ...loginFields(login.html), username: user.username, password: user.password };
      const page = await follow(browser, await browser.post("/login", form));
      const fields = hiddenFields(page.html.slice(page.html.indexOf("<form"), page.html.indexOf("</form>")));
      return (code: string) => browser.post("/login", { ...fields, decision: "totp", code });
    };
    let send = await secondStep();
    for (let i = 0; i < 5; i++) await send("000000");
    setClockOffset(301);
    send = await secondStep();
    for (let i = 0; i < 5; i++) await send("000000");
    setClockOffset(301 + 301);
    send = await secondStep();
    const stillLocked = await send(await codeAt(secret, 0));
    expect(await stillLocked.text()).toContain("Too many wrong codes");
    setClockOffset(301 + 601);
    send = await secondStep();
    expect((await send(await codeAt(secret, 0))).status).toBe(303);
  });
});
