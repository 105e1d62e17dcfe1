// Fuzzing behind the CSRF check (fast-check): the login page's passkey and second-factor forms with a valid
// interaction and form token, and the account page's forms of a signed-in user. Whatever the browser's JSON or the
// fields say: never a 5xx, nothing planted reflected as markup, and no session from garbage.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorizeUrl, Browser, newUser } from "../helpers";
import { accountCsrf, accountPage, follow, loginFields } from "./support";

const MARKER = "<x-fuzz>";

const credentialJson = fc.oneof(
  fc.jsonValue().map((j) => JSON.stringify(j)),
  fc.string({ maxLength: 300 }),
  fc
    .record({
      id: fc.oneof(fc.string({ maxLength: 40 }), fc.constant("AAAA")),
      rawId: fc.oneof(fc.string({ maxLength: 40 }), fc.constant("AAAA")),
      type: fc.constantFrom("public-key", "x"),
      clientExtensionResults: fc.constant({}),
      response: fc.record({
        clientDataJSON: fc.oneof(fc.base64String({ maxLength: 80 }), fc.constant("e30")),
        authenticatorData: fc.base64String({ maxLength: 80 }),
        signature: fc.base64String({ maxLength: 80 }),
        attestationObject: fc.base64String({ maxLength: 80 }),
        userHandle: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
      }),
    })
    .map((j) => JSON.stringify(j)),
  fc.string({ maxLength: 20 }).map((s) => `${MARKER}${s}`),
);

const field = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constant(`${MARKER}<script>`),
  fc.nat({ max: 3000 }).map((n) => "9".repeat(n)),
);

async function expectHarmless(res: Response): Promise<void> {
  expect(res.status).toBeLessThan(500);
  const text = await res.text();
  expect(text).not.toContain(MARKER);
  expect(res.headers.get("location") ?? "").not.toContain(MARKER);
}

describe("sign-in forms behind their CSRF check", () => {
  it("the login page's passkey and code forms", async () => {
    const browser = new Browser();
    const login = await follow(browser, await browser.fetch(authorizeUrl()));
    const fields = loginFields(login.html);
    await fc.assert(
      fc.asyncProperty(
        credentialJson,
        fc.option(fc.constantFrom("mfa", "passkey_offer", "x"), { nil: undefined }),
        fc.option(fc.constantFrom("totp", "recovery", "add_passkey", "skip_passkey", "cancel"), { nil: undefined }),
        field,
        async (response, step, decision, code) => {
          const form: Record<string, string> = {
            ...fields,
            passkey_response: response,
            passkey_challenge: code,
            code,
            recovery_code: code,
          };
          if (step) form.step = step;
          if (decision && decision !== "cancel") form.decision = decision;
          const res = await browser.post("/login", form);
          await expectHarmless(res);
          expect(browser.hasCookie("eo_session")).toBe(false);
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);

  it("the account page's forms", async () => {
    const user = await newUser();
    const browser = new Browser();
    const csrf = accountCsrf(await accountPage(browser, user));
    const actions = [
      "passkey_add",
      "passkey_rename",
      "passkey_remove",
      "totp_confirm",
      "consent_revoke",
      "end_session",
      "password_change",
      "x",
      "toString",
      "__proto__",
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), credentialJson, field, field, async (action, response, a, b) => {
        const res = await browser.post("/account", {
          csrf,
          action,
          passkey_response: response,
          passkey_challenge: a,
          id: a,
          name: b,
          code: a,
          client_id: b,
          sid: a,
          current_password: a,
          new_password: b,
        });
        await expectHarmless(res);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
