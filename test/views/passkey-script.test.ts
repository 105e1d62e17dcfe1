// The passkey pages' inline script (src/views/passkey-script.ts) is a string the pages put inside <script nonce>:
// what the HTML parser and the page contract need from it. Its behaviour in a browser is not tested here.
import { describe, expect, it } from "vitest";
import { PASSKEY_SCRIPT } from "../../src/views/passkey-script";

describe("passkey script", () => {
  it("cannot end or confuse the <script> element it is placed in", () => {
    // HTML's script data state: "</script" closes the element; "<!--" and "<script" change how it is read.
    expect(PASSKEY_SCRIPT.toLowerCase()).not.toMatch(/<\/script|<!--|<script/);
  });

  it("is plain browser JavaScript: no modules, no template leftovers", () => {
    expect(PASSKEY_SCRIPT).not.toMatch(/^\s*(import|export)\b/m);
    expect(PASSKEY_SCRIPT).not.toContain("${");
  });

  it("names the page contract's elements", () => {
    for (const name of [
      "passkey-request-options",
      "passkey-signin",
      "passkey-form",
      "passkey-creation-options",
      "passkey-create",
      "passkey-create-form",
      "passkey-error",
    ]) {
      expect(PASSKEY_SCRIPT).toContain(`"${name}"`);
    }
    expect(PASSKEY_SCRIPT).toContain(`'input[name="passkey_response"]'`);
  });
});
