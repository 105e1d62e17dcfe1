// Passkeys (WebAuthn Level 3) through the real pages in workerd, with a software authenticator: registration on the
// account page, sign-in with no username (discoverable), as a second factor after a password, and every refusal:
// a replayed or expired challenge, a wrong origin or RP ID, no user verification, a counter going backwards,
// another user's credential, a removed passkey.
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { ACR } from "../../src/authorization/acr";
import { setClockOffset } from "../../src/clock";
import { admin, authorizeUrl, Browser, hiddenFields, ISSUER, newUser, type TestUser } from "../helpers";
import { SoftAuthenticator } from "../support/soft-authenticator";
import { accountCsrf, accountPage, follow, loginFields, toClient, idTokenAt } from "./support";

const ORIGIN = ISSUER;
const RP_ID = new URL(ISSUER).hostname;

afterEach(() => setClockOffset(0));

const RequestOptions = v.object({
  challenge: v.string(),
  rpId: v.string(),
  allowCredentials: v.optional(v.array(v.object({ id: v.string() }))),
});
const CreationOptions = v.object({
  challenge: v.string(),
  user: v.object({ id: v.string() }),
  rp: v.object({ id: v.string() }),
});

function jsonBlock(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`).exec(html);
  if (!match?.[1]) throw new Error(`no ${id} on the page`);
  return JSON.parse(match[1]);
}

const creationOptions = (html: string) => v.parse(CreationOptions, jsonBlock(html, "passkey-creation-options"));
const requestOptions = (html: string) => v.parse(RequestOptions, jsonBlock(html, "passkey-request-options"));

function formFields(html: string, formId: string): Record<string, string> {
  const start = html.indexOf(`<form id="${formId}"`);
  if (start < 0) throw new Error(`no form ${formId}`);
  return hiddenFields(html.slice(start, html.indexOf("</form>", start)));
}

/** Adds a passkey on the account page (the browser is signed in); answers the redirect's notice. */
async function addPasskey(
  browser: Browser,
  page: string,
  authenticator: SoftAuthenticator,
  knobs: { origin?: string } = {},
) {
  const options = creationOptions(page);
  expect(options.rp.id).toBe(RP_ID);
  const response = await authenticator.register({
    challenge: options.challenge,
    userHandle: options.user.id,
    origin: knobs.origin ?? ORIGIN,
    rpId: RP_ID,
  });
  const fields = formFields(page, "passkey-create-form");
  const res = await browser.post("/account", { ...fields, passkey_response: JSON.stringify(response) });
  return new URL(res.headers.get("location") ?? "", ISSUER).searchParams.get("notice");
}

/** A user with one passkey; answers the user and the authenticator. */
async function userWithPasskey(): Promise<{ user: TestUser; authenticator: SoftAuthenticator; browser: Browser }> {
  const user = await newUser();
  const browser = new Browser();
  const authenticator = await SoftAuthenticator.create();
  expect(await addPasskey(browser, await accountPage(browser, user), authenticator)).toBe("done");
  return { user, authenticator, browser };
}

type AssertKnobs = Parameters<SoftAuthenticator["assert"]>[0];

/** Opens the login page of a new authorization and answers with a passkey; answers the provider's response. */
async function signInWithPasskey(browser: Browser, authenticator: SoftAuthenticator, knobs: Partial<AssertKnobs> = {}) {
  const login = await follow(browser, await browser.fetch(authorizeUrl()));
  expect(login.html).toContain('autocomplete="username webauthn"');
  expect(login.html).toContain("Sign in with a passkey");
  const options = requestOptions(login.html);
  expect(options.rpId).toBe(RP_ID);
  expect(options.allowCredentials).toBeUndefined();
  const response = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID, ...knobs });
  const fields = formFields(login.html, "passkey-form");
  return {
    res: await browser.post("/login", { ...fields, passkey_response: JSON.stringify(response) }),
    fields,
    response,
  };
}

describe("passkeys", () => {
  it("sign in with a passkey and no username: amr swk user mfa, acr mfa", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = new Browser();
    const { res } = await signInWithPasskey(browser, authenticator);
    expect(res.status).toBe(303);
    const claims = await idTokenAt(await toClient(browser, res));
    expect(claims.sub).toBe(user.sub);
    expect(claims.amr).toEqual(["swk", "user", "mfa"]);
    expect(claims.acr).toBe(ACR.mfa);
  });

  it("a device-bound passkey says hwk", async () => {
    const user = await newUser();
    const browser = new Browser();
    const authenticator = await SoftAuthenticator.create();
    const page = await accountPage(browser, user);
    const options = creationOptions(page);
    const response = await authenticator.register({
      challenge: options.challenge,
      userHandle: options.user.id,
      origin: ORIGIN,
      rpId: RP_ID,
      backupEligible: false,
      backedUp: false,
    });
    await browser.post("/account", {
      ...formFields(page, "passkey-create-form"),
      passkey_response: JSON.stringify(response),
    });
    const other = new Browser();
    const { res } = await signInWithPasskey(other, authenticator, { backupEligible: false, backedUp: false });
    expect((await idTokenAt(await toClient(other, res))).amr).toEqual(["hwk", "user", "mfa"]);
  });

  it("a replayed response (its challenge used) is refused", async () => {
    const { authenticator } = await userWithPasskey();
    const browser = new Browser();
    const first = await signInWithPasskey(browser, authenticator);
    expect(first.res.status).toBe(303);
    const replay = await new Browser().post("/login", {
      ...first.fields,
      passkey_response: JSON.stringify(first.response),
    });
    // Another browser has no CSRF cookie for the form: refused before anything; the same browser's replay too.
    expect(replay.status).toBe(403);
    const again = await browser.post("/login", { ...first.fields, passkey_response: JSON.stringify(first.response) });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain("That passkey could not be used");
  });

  it("refuses an expired challenge, a wrong origin or RP ID, and a response without user verification", async () => {
    const { authenticator } = await userWithPasskey();
    for (const knobs of [{ origin: "http://evil.example" }, { rpId: "evil.example" }, { userVerified: false }]) {
      const { res } = await signInWithPasskey(new Browser(), authenticator, knobs);
      expect(res.status, JSON.stringify(knobs)).toBe(401);
    }
    const browser = new Browser();
    const login = await follow(browser, await browser.fetch(authorizeUrl()));
    const options = requestOptions(login.html);
    setClockOffset(301);
    const late = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await browser.post("/login", {
      ...formFields(login.html, "passkey-form"),
      passkey_response: JSON.stringify(late),
    });
    expect(res.status).toBe(401);
  });

  it("a counter that goes backwards is refused (a cloned authenticator)", async () => {
    const { authenticator } = await userWithPasskey();
    expect((await signInWithPasskey(new Browser(), authenticator, { counter: 10 })).res.status).toBe(303);
    expect((await signInWithPasskey(new Browser(), authenticator, { counter: 5 })).res.status).toBe(401);
    expect((await signInWithPasskey(new Browser(), authenticator, { counter: 10 })).res.status).toBe(401);
    expect((await signInWithPasskey(new Browser(), authenticator, { counter: 11 })).res.status).toBe(303);
  });

  it("a credential belongs to one user: another user cannot register it, nor sign in as its holder with it", async () => {
    const { authenticator } = await userWithPasskey();
    const other = await newUser();
    const browser = new Browser();
    expect(await addPasskey(browser, await accountPage(browser, other), authenticator)).toBe("failed");
  });

  it("a passkey is the second factor when one is asked for: acr_values steps a password up, amr pwd swk user mfa", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = new Browser();
    const login = await follow(browser, await browser.fetch(authorizeUrl({ acr_values: ACR.mfa })));
    const form = { ...loginFields(login.html), username: user.username, password: user.password };
    const page = await follow(browser, await browser.post("/login", form));
    expect(page.html).toContain("Use a passkey");
    const options = requestOptions(page.html);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.credentialId]);
    const response = await authenticator.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP_ID });
    const res = await browser.post("/login", {
      ...formFields(page.html, "passkey-form"),
      passkey_response: JSON.stringify(response),
    });
    const claims = await idTokenAt(await toClient(browser, res));
    expect(claims.amr).toEqual(["pwd", "swk", "user", "mfa"]);
    expect(claims.acr).toBe(ACR.mfa);
  });

  it("holding a passkey does not make the password need a second step (no lock-out when the device is lost)", async () => {
    const { user } = await userWithPasskey();
    const browser = new Browser();
    const login = await follow(browser, await browser.fetch(authorizeUrl()));
    const form = { ...loginFields(login.html), username: user.username, password: user.password, passkey_capable: "1" };
    const res = await browser.post("/login", form);
    // Straight on (no second step, and no offer of a passkey the user already has).
    expect(res.headers.get("location")).toMatch(/^\/consent\?/);
    expect((await idTokenAt(await toClient(browser, res))).amr).toEqual(["pwd"]);
  });

  it("a removed passkey signs no one in; the admin API lists and removes passkeys", async () => {
    const { user, authenticator, browser } = await userWithPasskey();
    const listed = await (await admin(`/users/${user.sub}/factors`, "GET")).json<{ passkeys: { id: string }[] }>();
    expect(listed.passkeys.map((p) => p.id)).toEqual([authenticator.credentialId]);
    const page = await accountPage(browser, user);
    const removed = await browser.post("/account", {
      csrf: accountCsrf(page),
      action: "passkey_remove",
      id: authenticator.credentialId,
    });
    expect(new URL(removed.headers.get("location") ?? "", ISSUER).searchParams.get("notice")).toBe("done");
    expect((await signInWithPasskey(new Browser(), authenticator)).res.status).toBe(401);
    expect((await admin(`/users/${user.sub}/passkeys/${authenticator.credentialId}`, "DELETE")).status).toBe(404);
  });

  it("adding a passkey needs a recent sign-in: an older session signs in again first", async () => {
    const user = await newUser();
    const browser = new Browser();
    const page = await accountPage(browser, user);
    setClockOffset(301);
    const res = await browser.post("/account", { ...formFields(page, "passkey-create-form"), passkey_response: "{}" });
    const login = await follow(browser, res);
    expect(login.html).toContain('name="password"');
  });
});

describe("the offer of a passkey after a password sign-in", () => {
  async function passwordSignIn(browser: Browser, user: TestUser, capable: boolean) {
    const login = await follow(browser, await browser.fetch(authorizeUrl()));
    const form = { ...loginFields(login.html), username: user.username, password: user.password };
    return browser.post("/login", capable ? { ...form, passkey_capable: "1" } : form);
  }

  it("comes only where the page's script said a passkey can be made; 'Not now' is remembered in the browser", async () => {
    const user = await newUser();
    const plain = await passwordSignIn(new Browser(), user, false);
    expect(plain.headers.get("location")).toMatch(/^\/consent\?/);
    const browser = new Browser();
    const offered = await passwordSignIn(browser, user, true);
    expect(offered.headers.get("location")).toMatch(/&step=passkey_offer$/);
    const page = await follow(browser, offered);
    expect(page.html).toContain("Add a passkey");
    const skip = formFields(
      page.html.replace('<form method="post" action="/login">', '<form id="skip" method="post" action="/login">'),
      "skip",
    );
    const next = await browser.post("/login", { ...skip, decision: "skip_passkey" });
    expect(next.headers.get("location")).toMatch(/^\/consent\?/);
    const again = await passwordSignIn(browser, user, true);
    expect(again.headers.get("location")).toMatch(/^\/consent\?/);
  });

  it("'Add a passkey' registers it and goes on; the passkey then signs in", async () => {
    const user = await newUser();
    const browser = new Browser();
    const page = await follow(browser, await passwordSignIn(browser, user, true));
    const authenticator = await SoftAuthenticator.create();
    const options = creationOptions(page.html);
    const response = await authenticator.register({
      challenge: options.challenge,
      userHandle: options.user.id,
      origin: ORIGIN,
      rpId: RP_ID,
    });
    const res = await browser.post("/login", {
      ...formFields(page.html, "passkey-create-form"),
      passkey_response: JSON.stringify(response),
    });
    expect(res.headers.get("location")).toMatch(/^\/consent\?/);
    const other = new Browser();
    const signedIn = await signInWithPasskey(other, authenticator);
    expect((await idTokenAt(await toClient(other, signedIn.res))).sub).toBe(user.sub);
  });
});
