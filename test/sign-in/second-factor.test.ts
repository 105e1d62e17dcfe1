// The authenticator app as a second factor (RFC 6238), recovery codes, and step-up (acr_values, an essential acr,
// a client that requires two factors, prompt=none), driven through the real pages in workerd.
import { describe, expect, it } from "vitest";
import { ACR } from "../../src/authorization/acr";
import { admin, authorizeUrl, Browser, hiddenFields, ISSUER, newUser, type TestUser } from "../helpers";
import { accountPage, codeAt, enrolTotp, follow, loginFields, toClient, idTokenAt } from "./support";

/** A user with the authenticator app on; answers its secret and recovery codes. */
async function userWithApp() {
  const user = await newUser();
  const browser = new Browser();
  return { user, ...(await enrolTotp(browser, await accountPage(browser, user))), enrolledIn: browser };
}

/** Starts an authorization and signs in with the password; answers what follows (the second factor's page). */
async function passwordThen(browser: Browser, user: TestUser, params: Record<string, string> = {}) {
  const login = await follow(browser, await browser.fetch(authorizeUrl(params)));
  expect(login.html).toContain('name="password"');
  const form = { ...loginFields(login.html), username: user.username, password: user.password };
  return follow(browser, await browser.post("/login", form));
}

/** Posts the second-factor page's code form (or its recovery-code form). */
function sendCode(browser: Browser, html: string, code: string, kind: "totp" | "recovery" = "totp") {
  const fields = hiddenFields(html.slice(html.indexOf("<form"), html.indexOf("</form>")));
  const form: Record<string, string> =
    kind === "totp" ? { decision: "totp", code } : { decision: "recovery", recovery_code: code };
  return browser.post("/login", { ...fields, ...form });
}

describe("authenticator app (RFC 6238)", () => {
  it("after enrolment a password alone starts no session; the app's code completes it: amr pwd otp mfa", async () => {
    const { user, secret } = await userWithApp();
    const browser = new Browser();
    const page = await passwordThen(browser, user);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('autocomplete="one-time-code"');
    // No session yet: a silent authorization from this browser is login_required.
    const silent = await browser.fetch(authorizeUrl({ prompt: "none" }));
    expect(new URL(silent.headers.get("location") ?? "", ISSUER).searchParams.get("error")).toBe("login_required");
    const claims = await idTokenAt(
      await toClient(browser, await sendCode(browser, page.html, await codeAt(secret, 1))),
    );
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(claims.acr).toBe(ACR.mfa);
  });

  it("refuses a code used once already (same step), a code two steps off, and counts them towards the throttle", async () => {
    const { user, secret } = await userWithApp();
    const browser = new Browser();
    const page = await passwordThen(browser, user);
    // The enrolment's own code (step 0) was accepted once: it is refused now.
    const replayed = await sendCode(browser, page.html, await codeAt(secret, 0));
    expect(replayed.status).toBe(401);
    expect(await replayed.text()).toContain("That code is not valid");
    for (const steps of [2, -2]) {
      const off = await sendCode(browser, page.html, await codeAt(secret, steps));
      expect(off.status).toBe(401);
    }
    // Two more wrong codes make five in the window: then even the right one is refused, for this user everywhere.
    for (const wrong of ["000000", "999999"]) await sendCode(browser, page.html, wrong);
    const throttled = await sendCode(browser, page.html, await codeAt(secret, 1));
    expect(throttled.status).toBe(401);
    expect(await throttled.text()).toContain("Too many wrong codes");
  });

  it("a recovery code signs in once; the same code again is refused", async () => {
    const { user, recoveryCodes } = await userWithApp();
    const [code = ""] = recoveryCodes;
    const first = new Browser();
    const page = await passwordThen(first, user);
    const claims = await idTokenAt(
      await toClient(first, await sendCode(first, page.html, code.toUpperCase(), "recovery")),
    );
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    const second = new Browser();
    const again = await passwordThen(second, user);
    const refused = await sendCode(second, again.html, code, "recovery");
    expect(refused.status).toBe(401);
  });

  it("the password grant refuses a user with a second factor", async () => {
    const { user } = await userWithApp();
    const res = await (
      await import("../helpers")
    ).tokenRequest(
      { grant_type: "password", username: user.username, password: user.password, scope: "openid" },
      (await import("../helpers")).basic("demo", "demo-secret"),
    );
    expect(res.status).toBe(400);
    expect((await res.json<{ error: string }>()).error).toBe("invalid_grant");
  });
});

describe("step-up (acr_values, claims, require_mfa)", () => {
  it("a password-only session asked for mfa: prompt=none is interaction_required; otherwise the app's code steps it up", async () => {
    const user = await newUser();
    const browser = new Browser();
    // The user signs in with a password (no second factor yet) and turns the app on in that same session.
    const { secret } = await enrolTotp(browser, await accountPage(browser, user));
    const silent = await browser.fetch(authorizeUrl({ prompt: "none", acr_values: ACR.mfa }));
    const error = new URL(silent.headers.get("location") ?? "", ISSUER).searchParams;
    expect(error.get("error")).toBe("interaction_required");
    expect(error.get("state")).toBe("state-123");
    // Without prompt=none: the second-factor page, for the session's user, then the code.
    const page = await follow(browser, await browser.fetch(authorizeUrl({ acr_values: ACR.mfa })));
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('autocomplete="one-time-code"');
    const claims = await idTokenAt(
      await toClient(browser, await sendCode(browser, page.html, await codeAt(secret, 1))),
    );
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(claims.acr).toBe(ACR.mfa);
    // The session is stepped up: the next request for mfa is silent.
    const next = await browser.fetch(authorizeUrl({ prompt: "none", acr_values: ACR.mfa }));
    expect(new URL(next.headers.get("location") ?? "", ISSUER).searchParams.get("code")).toBeTruthy();
  });

  it("an essential acr in the claims parameter steps up too, and an unsupported one is unmet_authentication_requirements", async () => {
    const user = await newUser();
    const browser = new Browser();
    await accountPage(browser, user);
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR.mfa] } } });
    const silent = await browser.fetch(authorizeUrl({ prompt: "none", claims: essential }));
    expect(new URL(silent.headers.get("location") ?? "", ISSUER).searchParams.get("error")).toBe(
      "interaction_required",
    );
    const unknown = JSON.stringify({ id_token: { acr: { essential: true, value: "urn:example:unknown" } } });
    const refused = await browser.fetch(authorizeUrl({ prompt: "none", claims: unknown }));
    expect(new URL(refused.headers.get("location") ?? "", ISSUER).searchParams.get("error")).toBe(
      "unmet_authentication_requirements",
    );
  });

  it("a password-only user asked for mfa is told to add a second factor, never silently answered", async () => {
    const user = await newUser();
    const browser = new Browser();
    const page = await passwordThen(browser, user, { acr_values: ACR.mfa });
    expect(page.res.status).toBe(200);
    expect(page.html).toContain("no second factor yet");
    expect(page.html).toContain('href="/account"');
  });

  it("acr_values that a password meets are answered with the password's acr", async () => {
    const user = await newUser();
    const browser = new Browser();
    const page = await passwordThen(browser, user, { acr_values: `${ACR.mfa} ${ACR.password}` });
    // No step-up: the consent page, then the code.
    const claims = await idTokenAt(
      await toClient(browser, await browser.post("/consent", { ...hiddenFields(page.html), decision: "allow" })),
    );
    expect(claims.acr).toBe(ACR.password);
    expect(claims.amr).toEqual(["pwd"]);
  });

  it("a client with require_mfa steps every sign-in up", async () => {
    const clientId = `mfa-${crypto.randomUUID()}`;
    const created = await admin("/clients", "POST", {
      client_id: clientId,
      redirect_uris: ["http://localhost:3000/callback"],
      require_mfa: true,
      skip_consent: true,
    });
    expect(created.status).toBe(201);
    const user = await newUser();
    const browser = new Browser();
    await accountPage(browser, user);
    const silent = await browser.fetch(authorizeUrl({ client_id: clientId, prompt: "none" }));
    expect(new URL(silent.headers.get("location") ?? "", ISSUER).searchParams.get("error")).toBe(
      "interaction_required",
    );
  });
});

describe("discovery", () => {
  it("publishes the acr values, the multi-factor one among them", async () => {
    const res = await new Browser().fetch("/.well-known/openid-configuration");
    const metadata = await res.json<{ acr_values_supported: string[] }>();
    expect(metadata.acr_values_supported).toEqual([ACR.password, ACR.mfa]);
  });
});
