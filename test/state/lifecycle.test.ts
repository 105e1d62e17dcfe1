// The state model (src/storage.ts): what ends many grants at once (a user deleted, a password changed, a sign-out
// everywhere, a client deleted) ends them for every browser and every token, and client_credentials tokens cost
// no storage until they are revoked.
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { AccountObject } from "../../src/durable/account";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import {
  admin,
  newUser,
  type TestUser,
  Browser,
  DEMO_REDIRECT,
  ISSUER,
  authorize,
  authorizeUrl,
  basic,
  clientCredentials,
  expectOAuthError,
  hiddenFields,
  introspect,
  isActive,
  redeem,
  refresh,
  revoke,
  tokenRequest,
  type Tokens,
} from "../helpers";

/** Signs `user` in on `browser` (consenting as needed) and redeems the code for `demo`. */
async function signIn(browser: Browser, user: TestUser, options: Record<string, string> = {}): Promise<Tokens> {
  const location = await authorize(browser, { scope: "openid profile offline_access", ...options }, user);
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code: ${location.href}`);
  const res = await redeem(code);
  expect(res.status).toBe(200);
  return res.json<Tokens>();
}

/** Everything a signed-out user's tokens and sessions must now refuse. */
async function expectAllEnded(browser: Browser, tokens: Tokens): Promise<void> {
  await expectOAuthError(await refresh(tokens.refresh_token ?? ""), 400, "invalid_grant");
  const userinfo = await exports.default.fetch(`${ISSUER}/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  expect(userinfo.status).toBe(401);
  expect(userinfo.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  expect(await isActive(tokens.access_token)).toBe(false);
  expect(await isActive(tokens.refresh_token ?? "")).toBe(false);
  // OIDC Core §3.1.2.6: no session, so prompt=none is login_required.
  const silent = await browser.fetch(authorizeUrl({ prompt: "none" }));
  expect(new URL(silent.headers.get("location") ?? "").searchParams.get("error")).toBe("login_required");
}

describe("user-wide revocation", () => {
  it("deleting a user ends every session and revokes every grant, in every browser", async () => {
    const user = await newUser();
    const [laptop, phone] = [new Browser(), new Browser()];
    const [first, second] = [await signIn(laptop, user), await signIn(phone, user)];
    expect(await isActive(first.access_token)).toBe(true);
    expect((await admin(`/users/${user.sub}`, "DELETE")).status).toBe(204);
    await expectAllEnded(laptop, first);
    await expectAllEnded(phone, second);
  });

  it("changing the password ends everything; the new password then signs in", async () => {
    const user = await newUser();
    const browser = new Browser();
    const tokens = await signIn(browser, user);
    expect((await admin(`/users/${user.sub}`, "PUT", { password: "a new long password" })).status).toBe(200);
    await expectAllEnded(browser, tokens);
    const again = await signIn(new Browser(), { ...user, password: "a new long password" });
    expect((await refresh(again.refresh_token ?? "")).status).toBe(200);
  });

  it("sign out everywhere (admin API) ends every session and grant, and the user can sign in again", async () => {
    const user = await newUser();
    const browser = new Browser();
    const tokens = await signIn(browser, user);
    // In use, so announced to the Account (its alarm may not have run yet): the count below is then exact.
    expect(await isActive(tokens.access_token)).toBe(true);
    const res = await admin(`/users/${user.sub}/sign-out`, "POST");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ sessions: 1, grants: 1 });
    await expectAllEnded(browser, tokens);
    expect((await signIn(browser, user)).access_token).toBeTruthy();
  });

  it("a code issued before the user was deleted and redeemed after is refused, and stays refused", async () => {
    const user = await newUser();
    const location = await authorize(new Browser(), { scope: "openid offline_access" }, user);
    expect((await admin(`/users/${user.sub}`, "DELETE")).status).toBe(204);
    // The redemption announces the grant to the user's Account, which answers that it is revoked (RFC 6749 §5.2).
    const code = location.searchParams.get("code") ?? "";
    await expectOAuthError(await redeem(code), 400, "invalid_grant");
    await expectOAuthError(await redeem(code), 400, "invalid_grant");
  });

  it("the password grant's grants are revoked too", async () => {
    const user = await newUser();
    const res = await tokenRequest(
      { grant_type: "password", username: user.username, password: user.password, scope: "openid offline_access" },
      basic("demo", "demo-secret"),
    );
    const tokens = await res.json<Tokens>();
    expect((await admin(`/users/${user.sub}/sign-out`, "POST")).status).toBe(200);
    await expectOAuthError(await refresh(tokens.refresh_token ?? ""), 400, "invalid_grant");
  });
});

describe("a password replaced while a location's KV still holds the old one", () => {
  it("a login checked against the old password starts no session, and a password grant from it is revoked", async () => {
    const user = await newUser();
    const stale = await env.USERS.get(`user:${user.sub}`);
    expect((await admin(`/users/${user.sub}`, "PUT", { password: "the new long password" })).status).toBe(200);
    // What a location whose KV has not caught up (up to ~60 s) would still read:
    await env.USERS.put(`user:${user.sub}`, stale ?? "");
    const browser = new Browser();
    const toLogin = await browser.fetch(authorizeUrl());
    const page = await browser.fetch(toLogin.headers.get("location") ?? "");
    const refused = await browser.post("/login", {
      ...hiddenFields(await page.text()),
      username: user.username,
      password: user.password,
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("Wrong username or password.");
    expect(browser.hasCookie("eo_session")).toBe(false);
    const res = await tokenRequest(
      { grant_type: "password", username: user.username, password: user.password, scope: "openid offline_access" },
      basic("demo", "demo-secret"),
    );
    const tokens = await res.json<Tokens>();
    await expectOAuthError(await refresh(tokens.refresh_token ?? ""), 400, "invalid_grant");
  });
});

describe("sessions", () => {
  it("ID tokens carry sid: the same within one browser session, another in another session", async () => {
    const user = await newUser();
    const browser = new Browser();
    const first = decodeJwt((await signIn(browser, user)).id_token ?? "");
    const second = decodeJwt((await signIn(browser, user)).id_token ?? "");
    const other = decodeJwt((await signIn(new Browser(), user)).id_token ?? "");
    expect(typeof first.sid).toBe("string");
    expect(second.sid).toBe(first.sid);
    expect(other.sid).not.toBe(first.sid);
    expect(other.sub).toBe(first.sub);
  });
});

describe("client-wide revocation", () => {
  const web = {
    redirect_uris: [DEMO_REDIRECT],
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    scope: "openid offline_access weather",
    skip_consent: true,
  };

  async function createClient(clientId: string): Promise<string> {
    const res = await admin("/clients", "POST", { ...web, client_id: clientId });
    expect(res.status).toBe(201);
    return (await res.json<{ client_secret: string }>()).client_secret;
  }

  it("deleting a client revokes its grants and tokens: a client re-created with the same id cannot use them", async () => {
    const clientId = `app-${crypto.randomUUID()}`;
    const secret = await createClient(clientId);
    const auth = basic(clientId, secret);
    const location = await authorize(new Browser(), { client_id: clientId, scope: "openid offline_access" });
    const codeRes = await redeem(location.searchParams.get("code") ?? "", {}, auth);
    const tokens = await codeRes.json<Tokens>();
    const own = (await (await clientCredentials(clientId, secret, "weather")).json<Tokens>()).access_token;
    expect(await isActive(own, auth)).toBe(true);

    expect((await admin(`/clients/${clientId}`, "DELETE")).status).toBe(204);
    const again = basic(clientId, await createClient(clientId));
    await expectOAuthError(await refresh(tokens.refresh_token ?? "", {}, again), 400, "invalid_grant");
    expect(await isActive(tokens.access_token, again)).toBe(false);
    expect(await isActive(own, again)).toBe(false);
    // The weather API no longer accepts the client's token either.
    expect((await (await introspect(own)).json<{ active: boolean }>()).active).toBe(false);
  });
});

describe("client_credentials at the cost of a signature", () => {
  it("issues ES256 JWTs without creating any Durable Object", async () => {
    const before = {
      grants: (await listDurableObjectIds(env.GRANT)).length,
      clients: (await listDurableObjectIds(env.CLIENT_STATE)).length,
    };
    for (let i = 0; i < 5; i++) {
      const tokens = await (await clientCredentials("demo-service", "demo-service-secret", "weather")).json<Tokens>();
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    }
    expect((await listDurableObjectIds(env.GRANT)).length).toBe(before.grants);
    expect((await listDurableObjectIds(env.CLIENT_STATE)).length).toBe(before.clients);
  });

  it("a revoked JWT is inactive at introspection; the client's other tokens are not", async () => {
    const auth = basic("demo-service", "demo-service-secret");
    const token = async () =>
      (await (await clientCredentials("demo-service", "demo-service-secret", "weather")).json<Tokens>()).access_token;
    const [revoked, kept] = [await token(), await token()];
    // RFC 7009 §2.1: another client may not revoke it.
    await expectOAuthError(await revoke(revoked), 400, "unauthorized_client");
    expect((await revoke(revoked, auth)).status).toBe(200);
    expect(await isActive(revoked, auth)).toBe(false);
    expect((await (await introspect(revoked)).json<{ active: boolean }>()).active).toBe(false);
    expect(await isActive(kept, auth)).toBe(true);
  });

  it("an opaque token lives in a ClientState shard and is inactive once revoked", async () => {
    const auth = basic("demo-service-ref", "demo-service-secret");
    const token = (await (await clientCredentials("demo-service-ref", "demo-service-secret", "weather")).json<Tokens>())
      .access_token;
    expect(await isActive(token, auth)).toBe(true);
    await expectOAuthError(await revoke(token), 400, "unauthorized_client");
    expect((await revoke(token, auth)).status).toBe(200);
    expect(await isActive(token, auth)).toBe(false);
  });

  it("ID tokens stay RS256 (OIDC Core default) while access tokens are ES256", async () => {
    const tokens = await signIn(new Browser(), await newUser());
    expect(decodeProtectedHeader(tokens.id_token ?? "").alg).toBe("RS256");
    expect(decodeProtectedHeader(tokens.access_token).alg).toBe("ES256");
  });
});

describe("revoking many grants", () => {
  it("a user with 250 grants: all are counted at once and told in batches of 100 by the alarm", async () => {
    const user = await newUser();
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(`user:${user.sub}`));
    // One real grant (through the password grant), and 249 that only the Account knows.
    const real = await (
      await tokenRequest(
        { grant_type: "password", username: user.username, password: user.password, scope: "openid offline_access" },
        basic("demo", "demo-secret"),
      )
    ).json<Tokens>();
    expect(await isActive(real.access_token)).toBe(true); // announced to the Account
    const exp = Math.floor(Date.now() / 1000) + 3600;
    for (let i = 0; i < 249; i++) {
      const grantId = env.GRANT.newUniqueId().toString();
      expect(
        await account.registerGrant({
          grantId,
          clientId: "demo",
          sub: user.sub,
          sid: undefined,
          offline: false,
          createdAtMs: Date.now(),
          exp,
        }),
      ).toEqual({ revoked: false });
    }
    const res = await admin(`/users/${user.sub}/sign-out`, "POST");
    expect(await res.json()).toEqual({ sessions: 0, grants: 250 });
    const remaining = () =>
      runInDurableObject(
        account,
        (_a: AccountObject, state) => [...state.storage.kv.list({ prefix: "grant:" })].length,
      );
    expect(await remaining()).toBe(150);
    // The rest go in batches of 100 by the alarm. The runtime also fires that alarm by itself (it is due at once
    // after a full batch), so a manual run can find it already running: run it until none is left, boundedly.
    for (let run = 0; run < 20 && (await remaining()) > 0; run++) {
      if (!(await runDurableObjectAlarm(account))) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await remaining()).toBe(0);
    await expectOAuthError(await refresh(real.refresh_token ?? ""), 400, "invalid_grant");
  }, 30_000);
});
