// Passkey ceremonies (src/lib/webauthn.ts) inside workerd, against a software authenticator: the happy path, and
// one refusal per WebAuthn Level 3 rule, each built so that it passes only while its rule is enforced.
import { base64url } from "jose";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  AuthenticationResponseJSON,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  passkeyCreationOptions,
  passkeyRequestOptions,
  RegistrationResponseJSON,
  verifyPasskeyAssertion,
  verifyPasskeyRegistration,
  type PasskeyCredential,
  type StoredPasskey,
} from "../../src/lib/webauthn";
import { ORIGIN, RP_ID, SoftAuthenticator } from "../support/soft-authenticator";

const challenge = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const userHandle = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const expected = (c: string) => ({ challenge: c, origin: ORIGIN, rpId: RP_ID });

/** A response as the page posts it: JSON text, read back through the parser. */
function posted(response: RegistrationResponseJSON): RegistrationResponseJSON;
function posted(response: AuthenticationResponseJSON): AuthenticationResponseJSON;
function posted(
  response: RegistrationResponseJSON | AuthenticationResponseJSON,
): RegistrationResponseJSON | AuthenticationResponseJSON {
  const json = JSON.stringify(response);
  const parsed =
    "attestationObject" in response.response ? parseRegistrationResponse(json) : parseAuthenticationResponse(json);
  if (!parsed) throw new Error("the parser refused a well-formed response");
  return parsed;
}

/** A registered passkey: the authenticator and the record the provider stored. */
async function registered(
  knobs: { backupEligible?: boolean; counter?: number } = {},
): Promise<{ authenticator: SoftAuthenticator; stored: StoredPasskey; credential: PasskeyCredential }> {
  const authenticator = await SoftAuthenticator.create();
  const c = challenge();
  const result = await verifyPasskeyRegistration(
    posted(await authenticator.register({ challenge: c, userHandle, ...knobs })),
    expected(c),
  );
  if (!result.ok) throw new Error(`registration refused: ${result.reason}`);
  const { id, publicKey, counter, deviceType } = result.credential;
  return { authenticator, stored: { id, publicKey, counter, deviceType, userHandle }, credential: result.credential };
}

describe("passkey options", () => {
  it("creation: a discoverable, user-verifying credential, no attestation, EdDSA/ES256/RS256", () => {
    const options = passkeyCreationOptions({
      rpId: RP_ID,
      rpName: "Example",
      userHandle,
      userName: "ada@example.com",
      userDisplayName: "Ada",
      challenge: "Y2hhbGxlbmdl",
      excludeCredentialIds: ["AQID"],
    });
    expect(options).toEqual({
      rp: { id: RP_ID, name: "Example" },
      user: { id: userHandle, name: "ada@example.com", displayName: "Ada" },
      challenge: "Y2hhbGxlbmdl",
      pubKeyCredParams: [
        { type: "public-key", alg: -8 },
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -257 },
      ],
      timeout: 120_000,
      excludeCredentials: [{ type: "public-key", id: "AQID" }],
      authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
      attestation: "none",
    });
  });

  it("request: user verification required; allowCredentials only when given", () => {
    expect(passkeyRequestOptions({ rpId: RP_ID, challenge: "Y2g" })).toEqual({
      rpId: RP_ID,
      challenge: "Y2g",
      timeout: 120_000,
      userVerification: "required",
    });
    expect(passkeyRequestOptions({ rpId: RP_ID, challenge: "Y2g", allowCredentialIds: ["AQID"] })).toMatchObject({
      allowCredentials: [{ type: "public-key", id: "AQID" }],
      userVerification: "required",
    });
  });
});

describe("passkey registration then sign-in", () => {
  it("registers, then signs in twice, the counter stored and increasing", async () => {
    const { authenticator, stored, credential } = await registered();
    expect(credential).toMatchObject({
      id: authenticator.credentialId,
      counter: 0,
      deviceType: "multiDevice",
      backedUp: true,
      transports: ["hybrid", "internal"],
      aaguid: "00000000-0000-0000-0000-000000000000",
    });
    // The stored public key is the COSE_Key: a CBOR map of five entries (kty, alg, crv, x, y).
    expect(base64url.decode(credential.publicKey)[0]).toBe(0xa5);

    const c1 = challenge();
    const first = await verifyPasskeyAssertion(posted(await authenticator.assert({ challenge: c1 })), {
      ...expected(c1),
      credential: stored,
    });
    expect(first).toEqual({ ok: true, counter: 1, backedUp: true, deviceType: "multiDevice", userVerified: true });
    if (!first.ok) return;
    const c2 = challenge();
    const second = await verifyPasskeyAssertion(posted(await authenticator.assert({ challenge: c2 })), {
      ...expected(c2),
      credential: { ...stored, counter: first.counter },
    });
    expect(second).toMatchObject({ ok: true, counter: 2 });
  });

  it("a single-device credential without a counter (both zero, §6.1.1) signs in", async () => {
    const { authenticator, stored, credential } = await registered({ backupEligible: false });
    expect(credential).toMatchObject({ deviceType: "singleDevice", backedUp: false, counter: 0 });
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, backupEligible: false, counter: 0 }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: true,
      counter: 0,
      backedUp: false,
      deviceType: "singleDevice",
      userVerified: true,
    });
  });

  it("a backed-up state that changes (BS, §6.1.3) is accepted and reported", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, backedUp: false }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toMatchObject({
      ok: true,
      backedUp: false,
      deviceType: "multiDevice",
    });
  });
});

describe("registration refusals", () => {
  async function register(
    knobs: Partial<Parameters<SoftAuthenticator["register"]>[0]>,
    expectation: Partial<ReturnType<typeof expected>> = {},
  ) {
    const authenticator = await SoftAuthenticator.create();
    const c = challenge();
    const response = posted(await authenticator.register({ challenge: c, userHandle, ...knobs }));
    return verifyPasskeyRegistration(response, { ...expected(c), ...expectation });
  }

  it("a wrong challenge", async () => {
    expect(await register({ challenge: challenge() })).toEqual({ ok: false, reason: "invalid" });
  });

  it("a wrong origin", async () => {
    expect(await register({ origin: "https://evil.example" })).toEqual({ ok: false, reason: "invalid" });
    expect(await register({}, { origin: "https://other.example.com" })).toEqual({ ok: false, reason: "invalid" });
  });

  it("a wrong RP ID", async () => {
    expect(await register({ rpId: "example.com" })).toEqual({ ok: false, reason: "invalid" });
  });

  it("no user verification", async () => {
    expect(await register({ userVerified: false })).toEqual({ ok: false, reason: "user_verification" });
  });

  it("no user presence", async () => {
    expect(await register({ userPresent: false })).toEqual({ ok: false, reason: "invalid" });
  });

  it("backed up without backup eligibility (§6.1.3: not allowed)", async () => {
    expect(await register({ backupEligible: false, backedUp: true })).toEqual({ ok: false, reason: "invalid" });
  });

  it("inside a cross-origin iframe", async () => {
    expect(await register({ crossOrigin: true })).toEqual({ ok: false, reason: "invalid" });
  });

  it("a credential ID other than the one in the authenticator data", async () => {
    expect(await register({ credentialId: "AQID" })).toEqual({ ok: false, reason: "invalid" });
  });

  it("an attestation format whose check would fetch URLs from the response", async () => {
    expect(await register({ format: "apple" })).toEqual({ ok: false, reason: "attestation_format" });
    expect(await register({ format: "android-key" })).toEqual({ ok: false, reason: "attestation_format" });
  });
});

describe("sign-in refusals", () => {
  it("a wrong challenge", async () => {
    const { authenticator, stored } = await registered();
    const response = posted(await authenticator.assert({ challenge: challenge() }));
    expect(await verifyPasskeyAssertion(response, { ...expected(challenge()), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a wrong origin", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, origin: "https://evil.example" }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a wrong RP ID", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, rpId: "example.com" }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("no user verification", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, userVerified: false }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "user_verification",
    });
  });

  it("no user presence", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, userPresent: false }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a counter that goes backwards, stays equal, or drops to zero (§6.1.1)", async () => {
    const { authenticator, stored } = await registered({ counter: 5 });
    expect(stored.counter).toBe(5);
    for (const counter of [4, 5, 0]) {
      const c = challenge();
      const response = posted(await authenticator.assert({ challenge: c, counter }));
      expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
        ok: false,
        reason: "counter",
      });
    }
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, counter: 6 }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toMatchObject({
      ok: true,
      counter: 6,
    });
  });

  it("backup eligibility that changes from the registered one (§6.1.3), either way", async () => {
    const single = await registered({ backupEligible: false });
    const c1 = challenge();
    const becameEligible = posted(await single.authenticator.assert({ challenge: c1, backupEligible: true }));
    expect(await verifyPasskeyAssertion(becameEligible, { ...expected(c1), credential: single.stored })).toEqual({
      ok: false,
      reason: "backup_eligibility_changed",
    });

    const multi = await registered();
    const c2 = challenge();
    const lostEligibility = posted(await multi.authenticator.assert({ challenge: c2, backupEligible: false }));
    expect(await verifyPasskeyAssertion(lostEligibility, { ...expected(c2), credential: multi.stored })).toEqual({
      ok: false,
      reason: "backup_eligibility_changed",
    });
  });

  it("backed up without backup eligibility (§6.1.3: not allowed)", async () => {
    const { authenticator, stored } = await registered({ backupEligible: false });
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, backupEligible: false, backedUp: true }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a signature from another key, even when the counter or flags would name a reason", async () => {
    const { authenticator, stored } = await registered({ counter: 5 });
    const signingKey = await SoftAuthenticator.otherKey();
    for (const knobs of [{}, { counter: 1 }, { userVerified: false }, { backupEligible: false }]) {
      const c = challenge();
      const response = posted(await authenticator.assert({ challenge: c, signingKey, ...knobs }));
      expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });

  it("a response naming another credential, or another user's handle", async () => {
    const { authenticator, stored } = await registered();
    const other = await registered();
    const c1 = challenge();
    // Signed by the stored credential's key, but naming the other credential.
    const asOther = posted(await authenticator.assert({ challenge: c1, credentialId: other.stored.id }));
    expect(await verifyPasskeyAssertion(asOther, { ...expected(c1), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
    const c2 = challenge();
    const wrongHandle = posted(await authenticator.assert({ challenge: c2, userHandle: base64url.encode("other") }));
    expect(await verifyPasskeyAssertion(wrongHandle, { ...expected(c2), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
    // No user handle at all is fine when the user is already known (§7.2).
    const c3 = challenge();
    const noHandle = posted(await authenticator.assert({ challenge: c3, userHandle: null }));
    expect(await verifyPasskeyAssertion(noHandle, { ...expected(c3), credential: stored })).toMatchObject({ ok: true });
  });

  it("inside a cross-origin iframe", async () => {
    const { authenticator, stored } = await registered();
    const c = challenge();
    const response = posted(await authenticator.assert({ challenge: c, crossOrigin: true }));
    expect(await verifyPasskeyAssertion(response, { ...expected(c), credential: stored })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a registration response offered as an assertion, and the other way round", async () => {
    const authenticator = await SoftAuthenticator.create();
    const c = challenge();
    const registration = await authenticator.register({ challenge: c, userHandle });
    expect(parseAuthenticationResponse(JSON.stringify(registration))).toBeNull();
    const assertion = await authenticator.assert({ challenge: c });
    expect(parseRegistrationResponse(JSON.stringify(assertion))).toBeNull();
  });
});

describe("garbage", () => {
  it("the parsers answer null, never throw", async () => {
    const authenticator = await SoftAuthenticator.create();
    const good = await authenticator.register({ challenge: challenge(), userHandle });
    const deep = "[".repeat(30_000) + "]".repeat(30_000);
    const inputs = [
      "",
      "not json",
      "null",
      "[]",
      "{}",
      "0",
      '"x"',
      deep,
      JSON.stringify({ ...good, type: "password" }),
      JSON.stringify({ ...good, id: "not base64url!" }),
      JSON.stringify({ ...good, id: "A".repeat(1365) }),
      JSON.stringify({ ...good, response: { ...good.response, clientDataJSON: 42 } }),
      JSON.stringify({ ...good, response: { ...good.response, transports: Array(17).fill("usb") } }),
      JSON.stringify({ ...good, clientExtensionResults: undefined }),
      JSON.stringify({ ...good, padding: "x".repeat(70_000) }),
    ];
    for (const input of inputs) {
      expect(parseRegistrationResponse(input)).toBeNull();
      expect(parseAuthenticationResponse(input)).toBeNull();
    }
    // Sanity: the same response, intact, does parse, and the schema is what the parser applies.
    expect(parseRegistrationResponse(JSON.stringify(good))).not.toBeNull();
    expect(v.is(RegistrationResponseJSON, good)).toBe(true);
    expect(v.is(AuthenticationResponseJSON, good)).toBe(false);
  });

  it("well-formed JSON with nonsense inside is refused, never thrown", async () => {
    const c = challenge();
    const nonsense = base64url.encode("nonsense");
    const registration = posted(await (await SoftAuthenticator.create()).register({ challenge: c, userHandle }));
    for (const response of [
      { ...registration, response: { ...registration.response, attestationObject: nonsense } },
      { ...registration, response: { ...registration.response, clientDataJSON: nonsense } },
      { ...registration, rawId: "AQID" },
    ]) {
      expect(await verifyPasskeyRegistration(response, expected(c))).toEqual({ ok: false, reason: "invalid" });
    }

    const { authenticator, stored } = await registered();
    const assertion = posted(await authenticator.assert({ challenge: c }));
    for (const [response, credential] of [
      [{ ...assertion, response: { ...assertion.response, authenticatorData: nonsense } }, stored],
      [{ ...assertion, response: { ...assertion.response, signature: nonsense } }, stored],
      [{ ...assertion, response: { ...assertion.response, clientDataJSON: nonsense } }, stored],
      [assertion, { ...stored, publicKey: "%%%" }],
      [assertion, { ...stored, publicKey: nonsense }],
      [assertion, { ...stored, counter: Number.NaN }],
      [assertion, { ...stored, counter: -1 }],
    ] as const) {
      expect(await verifyPasskeyAssertion(response, { ...expected(c), credential })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });
});
