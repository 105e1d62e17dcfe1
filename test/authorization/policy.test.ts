// The interaction policy as data: each named check alone, on typed facts (no request, no storage).
import { env } from "cloudflare:workers";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ACR } from "../../src/authorization/acr";
import { policy, type Facts } from "../../src/authorization/policy";
import { combinedAmr } from "../../src/durable/account";
import { ClientRecord, type Client } from "../../src/clients/schema";
import { nowSeconds } from "../../src/clock";

const client: Client = v.parse(ClientRecord, {
  v: 1,
  client_id: "c",
  token_endpoint_auth_method: "none",
  redirect_uris: ["https://c/cb"],
  grant_types: ["authorization_code"],
  response_types: ["code"],
  scope: "openid",
});

function facts(overrides: Partial<Facts> & { req?: Partial<Facts["interaction"]["req"]> } = {}): Facts {
  const { req, ...rest } = overrides;
  return {
    env,
    client,
    interaction: {
      jti: "ixn",
      iat: nowSeconds(),
      token: "t",
      req: {
        client_id: "c",
        redirect_uri: "https://c/cb",
        response_mode: "query",
        scope: ["openid"],
        prompt: [],
        ...req,
      },
    },
    session: { sub: "u", sid: "s", auth_time: nowSeconds() - 100, amr: ["pwd"] },
    standing: () => Promise.resolve({ live: true, consented: true }),
    ...rest,
  };
}

function check(reason: string) {
  const found = policy.flatMap((p) => p.checks).find((c) => c.reason === reason);
  if (!found) throw new Error(`no check ${reason}`);
  return found;
}

describe("the interaction policy's checks", () => {
  it("login: no session, prompt=login, max_age, a login in this interaction satisfies both", async () => {
    expect(await check("no_session").needed(facts({ session: null }))).toBe(true);
    expect(await check("login_prompt").needed(facts({ req: { prompt: ["login"] } }))).toBe(true);
    expect(await check("max_age").needed(facts({ req: { max_age: 100 } }))).toBe(true);
    expect(await check("max_age").needed(facts({ req: { max_age: 101 } }))).toBe(false);
    const now = facts({ req: { prompt: ["login"], max_age: 0 } });
    const signedInNow = { ...now, session: { sub: "u", sid: "s", auth_time: 0, amr: ["pwd"], ixn: "ixn" } };
    expect(await check("login_prompt").needed(signedInNow)).toBe(false);
    expect(await check("max_age").needed(signedInNow)).toBe(false);
    expect(
      await check("session_ended").needed(
        facts({ standing: () => Promise.resolve({ live: false, consented: false }) }),
      ),
    ).toBe(true);
  });

  it("mfa: acr_values, an essential acr, the client's require_mfa; prompt=none answers interaction_required", async () => {
    const notMet = check("acr_not_met");
    expect(await notMet.needed(facts({ req: { acr_values: ACR.mfa } }))).toBe(true);
    expect(await notMet.needed(facts({ req: { acr_values: `${ACR.mfa} ${ACR.password}` } }))).toBe(false);
    expect(await notMet.needed(facts({ req: { acr_values: "urn:unknown" } }))).toBe(false);
    const mfaSession = { sub: "u", sid: "s", auth_time: 0, amr: ["pwd", "otp", "mfa"] };
    expect(await notMet.needed(facts({ req: { acr_values: ACR.mfa }, session: mfaSession }))).toBe(false);
    expect(await notMet.needed(facts({ client: { ...client, require_mfa: true } }))).toBe(true);
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR.mfa] } } });
    expect(await notMet.needed(facts({ req: { claims: essential } }))).toBe(true);
    expect(notMet.error(notMet.description).error).toBe("interaction_required");
    // REQUIRE_MFA: every client's sign-ins, but the account page's own (where a factor is added).
    const deployment = { ...env, REQUIRE_MFA: "true" };
    expect(await notMet.needed(facts({ env: deployment }))).toBe(true);
    const accountPage = { ...client, client_id: "urn:edge-oidc:account" };
    expect(await notMet.needed(facts({ env: deployment, client: accountPage }))).toBe(false);
    const unknown = JSON.stringify({ id_token: { acr: { essential: true, value: "urn:unknown" } } });
    expect(await check("acr_unsupported").needed(facts({ req: { claims: unknown } }))).toBe(true);
  });

  it("consent: prompt=consent, or nothing on record unless the client skips consent", async () => {
    expect(await check("consent_prompt").needed(facts({ req: { prompt: ["consent"] } }))).toBe(true);
    const none = () => Promise.resolve({ live: true, consented: false });
    expect(await check("consent_missing").needed(facts({ standing: none }))).toBe(true);
    expect(
      await check("consent_missing").needed(facts({ standing: none, client: { ...client, skip_consent: true } })),
    ).toBe(false);
  });
});

describe("amr (RFC 8176)", () => {
  it("adds mfa for two kinds of factor only; user presence is no factor, a passkey's user verification is", () => {
    expect(combinedAmr(["pwd"])).toEqual(["pwd"]);
    expect(combinedAmr(["pwd", "otp"])).toEqual(["pwd", "otp", "mfa"]);
    expect(combinedAmr(["swk", "user"])).toEqual(["swk", "user"]);
    expect(combinedAmr(["swk", "user"], true)).toEqual(["swk", "user", "mfa"]);
    expect(combinedAmr(["otp", "hwk"])).toEqual(["otp", "hwk"]);
    expect(combinedAmr(["pwd", "pwd"])).toEqual(["pwd"]);
    // A session stepped up before stays so.
    expect(combinedAmr(["pwd", "otp", "mfa", "pwd"])).toEqual(["pwd", "otp", "mfa"]);
  });
});
