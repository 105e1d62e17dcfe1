// OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0, through the Worker's real HTTP surface: the
// end-session endpoint, the confirmation page, what a sign-out ends (and what it leaves), and the logout tokens the
// user's Account delivers (and retries) to a real HTTP receiver on loopback.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, inject, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import type { AccountObject } from "../../src/durable/account";
import {
  admin,
  newUser,
  type TestUser,
  authorize,
  authorizeUrl,
  basic,
  Browser,
  DEMO_REDIRECT,
  hiddenFields,
  expectOAuthError,
  isActive,
  ISSUER,
  refresh,
  tokenRequest,
  verifyWithJwks,
  type Tokens,
} from "../helpers";

const BACKCHANNEL = inject("backchannelBase");
const LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
const POST_LOGOUT = "http://localhost:3000/";

interface TestClient {
  id: string;
  secret: string;
  /** Its back-channel receiver's name (at BACKCHANNEL), when it registered one. */
  receiver?: string;
}

/** A confidential client (first party: no consent page), with a back-channel receiver of its own unless told not. */
async function newClient(
  options: { backchannel?: boolean; pairwise?: boolean; alwaysRefresh?: boolean } = {},
): Promise<TestClient> {
  const receiver = crypto.randomUUID();
  const res = await admin("/clients", "POST", {
    client_name: "Logout test app",
    redirect_uris: [DEMO_REDIRECT],
    post_logout_redirect_uris: [POST_LOGOUT],
    grant_types: ["authorization_code", "refresh_token"],
    scope: "openid profile offline_access",
    skip_consent: true,
    ...(options.pairwise ? { subject_type: "pairwise" } : {}),
    ...(options.alwaysRefresh ? { always_issue_refresh_token: true } : {}),
    ...(options.backchannel === false ? {} : { backchannel_logout_uri: `${BACKCHANNEL}/${receiver}` }),
  });
  expect(res.status).toBe(201);
  const body = await res.json<{ client_id: string; client_secret: string }>();
  return {
    id: body.client_id,
    secret: body.client_secret,
    ...(options.backchannel === false ? {} : { receiver }),
  };
}

/** The client redeems the code the browser brought back to its redirect URI. */
function redeemAt(client: TestClient, location: URL): Promise<Response> {
  return tokenRequest(
    { grant_type: "authorization_code", code: location.searchParams.get("code") ?? "", redirect_uri: DEMO_REDIRECT },
    basic(client.id, client.secret),
  );
}

/** Signs the user in on the browser for the client and redeems the code. */
async function signIn(browser: Browser, user: TestUser, client: TestClient, scope = "openid profile") {
  const res = await redeemAt(client, await authorize(browser, { client_id: client.id, scope }, user));
  expect(res.status).toBe(200);
  const tokens = await res.json<Tokens & { id_token: string }>();
  return { tokens, idToken: tokens.id_token, sid: String(decodeJwt(tokens.id_token).sid) };
}

function endSession(browser: Browser, params: Record<string, string>, method: "GET" | "POST" = "GET") {
  const query = new URLSearchParams(params).toString();
  return method === "GET" ? browser.fetch(`/logout?${query}`) : browser.post("/logout", params);
}

async function silentlySignedIn(browser: Browser, client: TestClient): Promise<boolean> {
  const res = await browser.fetch(authorizeUrl({ client_id: client.id, scope: "openid", prompt: "none" }));
  const location = new URL(res.headers.get("location") ?? "", ISSUER);
  return location.searchParams.has("code");
}

/** What the client's receiver got so far: each a content type and a form body. */
async function received(receiver: string): Promise<{ contentType: string; logoutToken: string }[]> {
  const bodies = await (await fetch(`${BACKCHANNEL}/${receiver}`)).json<string[]>();
  return bodies.map((entry) => {
    const [contentType = "", body = ""] = entry.split("\n");
    return { contentType, logoutToken: new URLSearchParams(body).get("logout_token") ?? "" };
  });
}

/** Waits for the receiver to hold `count` deliveries (the Account's alarm runs right after the sign-out). */
async function deliveries(receiver: string, count: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await received(receiver);
    if (got.length >= count || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A code redeemed after its session ended: refused (its grant is revoked), and its client sent a logout all the same. */
async function expectLateRedemptionTold(client: TestClient, location: URL): Promise<void> {
  await expectOAuthError(await redeemAt(client, location), 400, "invalid_grant");
  const [delivery] = await deliveries(client.receiver ?? "", 1);
  expect(decodeJwt(delivery?.logoutToken ?? "").aud).toBe(client.id);
}

const account = (sub: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(`user:${sub}`));

/** Waits until the Account's alarm has told every grant of an ended session that it is revoked. */
async function revocationsDone(sub: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  const pending = () =>
    runInDurableObject(
      account(sub),
      (_instance: AccountObject, state) => [...state.storage.kv.list({ prefix: "revoking:" })].length,
    );
  while ((await pending()) > 0) {
    if (Date.now() > deadline) throw new Error("grants of the ended session were not revoked");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the Account's alarm has recorded a failed delivery for a retry (it answers after the POST). */
async function retryRecorded(sub: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  const retrying = () =>
    runInDurableObject(account(sub), (_instance: AccountObject, state) =>
      [...state.storage.kv.list<{ attempts: number }>({ prefix: "logout:" })].some(([, d]) => d.attempts > 0),
    );
  while (!(await retrying())) {
    if (Date.now() > deadline) throw new Error("no retry was recorded");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("discovery", () => {
  it("advertises the end-session endpoint and back-channel logout with sid", async () => {
    const doc = await (await exports.default.fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
    expect(doc).toMatchObject({
      end_session_endpoint: `${ISSUER}/logout`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });
});

describe("RP-initiated logout", () => {
  for (const method of ["GET", "POST"] as const) {
    it(`with an id_token_hint of this session (${method}): signs out at once and returns with state`, async () => {
      const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
      const { idToken } = await signIn(browser, user, client);
      expect(await silentlySignedIn(browser, client)).toBe(true);
      const res = await endSession(
        browser,
        { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state: "s t&ate" },
        method,
      );
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`${POST_LOGOUT}?state=s+t%26ate`);
      expect(res.headers.get("cache-control")).toBe("no-store");
      // The cookie is removed, and the session is ended on the server as well (prompt=none: login_required).
      expect(res.headers.getSetCookie().some((c) => /^eo_session=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
      const silent = await browser.fetch(authorizeUrl({ client_id: client.id, scope: "openid", prompt: "none" }));
      expect(new URL(silent.headers.get("location") ?? "").searchParams.get("error")).toBe("login_required");
    });
  }

  it("keeps the registered URI's own query when adding state", async () => {
    const [user, browser] = [await newUser(), new Browser()];
    const res = await admin("/clients", "POST", {
      redirect_uris: [DEMO_REDIRECT],
      post_logout_redirect_uris: ["http://localhost:3000/bye?from=op"],
      grant_types: ["authorization_code"],
      skip_consent: true,
    });
    const created = await res.json<{ client_id: string; client_secret: string }>();
    const { idToken } = await signIn(browser, user, { id: created.client_id, secret: created.client_secret });
    const out = await endSession(browser, {
      id_token_hint: idToken,
      post_logout_redirect_uri: "http://localhost:3000/bye?from=op",
      state: "xyz",
    });
    expect(out.headers.get("location")).toBe("http://localhost:3000/bye?from=op&state=xyz");
  });

  it("refuses an unregistered post_logout_redirect_uri on its own page, without redirecting or signing out", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    const { idToken } = await signIn(browser, user, client);
    // §3: "MUST NOT perform post-logout redirection if the ... value supplied does not exactly match".
    for (const uri of [
      "https://evil.example/",
      "http://localhost:3000",
      "http://localhost:3000/?x=1",
      "HTTP://localhost:3000/",
    ]) {
      const res = await endSession(browser, { id_token_hint: idToken, post_logout_redirect_uri: uri });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("invalid_request");
    }
    expect(await silentlySignedIn(browser, client)).toBe(true);
  });

  it("refuses a redirect URI when nothing names the client", async () => {
    const res = await endSession(new Browser(), { post_logout_redirect_uri: POST_LOGOUT });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("refuses a client_id that does not match the id_token_hint", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    const { idToken } = await signIn(browser, user, client);
    // §2: "the OP MUST verify that the Client Identifier matches the one used when issuing the ID Token".
    const res = await endSession(browser, {
      id_token_hint: idToken,
      client_id: "demo",
      post_logout_redirect_uri: POST_LOGOUT,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await silentlySignedIn(browser, client)).toBe(true);
  });

  it("refuses an id_token_hint that is not our ID token (forged, an access token, garbage)", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    const { idToken, tokens } = await signIn(browser, user, client);
    const [header, payload] = idToken.split(".");
    const forged = `${header}.${payload}.${"A".repeat(86)}`;
    for (const hint of [forged, tokens.access_token, "not-a-jwt"]) {
      const res = await endSession(browser, { id_token_hint: hint, post_logout_redirect_uri: POST_LOGOUT });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    expect(await silentlySignedIn(browser, client)).toBe(true);
  });

  it("accepts an expired ID token as the hint", async () => {
    const [user, browser] = [await newUser(), new Browser()];
    const res = await admin("/clients", "POST", {
      redirect_uris: [DEMO_REDIRECT],
      post_logout_redirect_uris: [POST_LOGOUT],
      grant_types: ["authorization_code"],
      skip_consent: true,
      lifetimes: { idToken: 1 },
    });
    const created = await res.json<{ client_id: string; client_secret: string }>();
    const { idToken } = await signIn(browser, user, { id: created.client_id, secret: created.client_secret });
    await new Promise((r) => setTimeout(r, 2100));
    const out = await endSession(browser, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT });
    expect(out.status).toBe(303);
  });

  it("asks first when there is no id_token_hint, then signs out on the user's answer", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    await signIn(browser, user, client);
    const page = await endSession(browser, {
      client_id: client.id,
      post_logout_redirect_uri: POST_LOGOUT,
      state: "st",
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain('name="decision" value="logout"');
    expect(html).toContain("Logout test app");
    // Asking changed nothing yet.
    expect(await silentlySignedIn(browser, client)).toBe(true);
    const answer = await browser.post("/logout", { ...hiddenFields(html), decision: "logout" });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe(`${POST_LOGOUT}?state=st`);
    expect(await silentlySignedIn(browser, client)).toBe(false);
  });

  it("asks in the language of ui_locales", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    await signIn(browser, user, client);
    const page = await endSession(browser, { client_id: client.id, ui_locales: "fr de" });
    const html = await page.text();
    expect(html).toContain('<html lang="fr"');
    expect(html).toContain("Se déconnecter");
    const done = await endSession(new Browser(), { ui_locales: "de" });
    expect(await done.text()).toContain("Sie haben sich abgemeldet");
  });

  it("asks first when the hint names another session, and 'stay' keeps this one", async () => {
    const [user, client] = [await newUser(), await newClient({ backchannel: false })];
    const [laptop, phone] = [new Browser(), new Browser()];
    const { idToken: laptopToken } = await signIn(laptop, user, client);
    await signIn(phone, user, client);
    const page = await endSession(phone, { id_token_hint: laptopToken, post_logout_redirect_uri: POST_LOGOUT });
    expect(page.status).toBe(200);
    const stay = await phone.post("/logout", { ...hiddenFields(await page.text()), decision: "stay" });
    expect(stay.status).toBe(303);
    expect(await silentlySignedIn(phone, client)).toBe(true);
    expect(await silentlySignedIn(laptop, client)).toBe(true);
  });

  it("refuses a confirmation posted without this browser's CSRF token or with a forged form", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    await signIn(browser, user, client);
    const fields = hiddenFields(await (await endSession(browser, { client_id: client.id })).text());
    // Another browser (an attacker's page posting the form) has no matching CSRF cookie.
    const attacker = await new Browser().post("/logout", { ...fields, decision: "logout" });
    expect(attacker.status).toBe(403);
    const forged = await browser.post("/logout", { ...fields, logout: `${fields.logout ?? ""}x`, decision: "logout" });
    expect(forged.status).toBe(403);
    expect(await silentlySignedIn(browser, client)).toBe(true);
  });

  it("with no session: nothing to ask, and the signed-out page or the redirect", async () => {
    const res = await endSession(new Browser(), {});
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("signed out");
    const back = await endSession(new Browser(), {
      client_id: "demo",
      post_logout_redirect_uri: POST_LOGOUT,
      state: "a",
    });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`${POST_LOGOUT}?state=a`);
  });

  it("ends grants without offline_access and keeps offline ones (Back-Channel Logout §2.7)", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ backchannel: false }), new Browser()];
    const online = await signIn(browser, user, client, "openid profile");
    const offline = await signIn(browser, user, client, "openid offline_access");
    expect(online.tokens.refresh_token).toBeUndefined();
    const auth = basic(client.id, client.secret);
    // In use, so announced to the Account (their own alarms may lag).
    expect(await isActive(online.tokens.access_token, auth)).toBe(true);
    expect(await isActive(offline.tokens.access_token, auth)).toBe(true);
    const out = await endSession(browser, { id_token_hint: offline.idToken });
    expect(out.status).toBe(200);
    await revocationsDone(user.sub);
    expect(await isActive(online.tokens.access_token, auth)).toBe(false);
    expect(await isActive(offline.tokens.access_token, auth)).toBe(true);
    const refreshed = await refresh(offline.tokens.refresh_token ?? "", {}, auth);
    expect(refreshed.status).toBe(200);
  });
});

describe("what a sign-out ends", () => {
  it("a refresh token issued without offline_access (always_issue_refresh_token) ends with the session", async () => {
    const [user, client, browser] = [await newUser(), await newClient({ alwaysRefresh: true }), new Browser()];
    const { tokens, idToken } = await signIn(browser, user, client, "openid profile");
    expect(tokens.refresh_token).toBeDefined();
    const auth = basic(client.id, client.secret);
    expect(await isActive(tokens.access_token, auth)).toBe(true); // in use, so announced to the Account
    expect((await endSession(browser, { id_token_hint: idToken })).status).toBe(200);
    await revocationsDone(user.sub);
    expect((await refresh(tokens.refresh_token ?? "", {}, auth)).status).toBe(400);
    expect(await isActive(tokens.access_token, auth)).toBe(false);
  });
});

describe("back-channel logout", () => {
  it("POSTs a signed logout token to each client of the ending session, and to no other", async () => {
    const user = await newUser();
    const [first, second, elsewhere] = [await newClient(), await newClient({ pairwise: true }), await newClient()];
    const [browser, other] = [new Browser(), new Browser()];
    const a = await signIn(browser, user, first);
    const b = await signIn(browser, user, second);
    await signIn(other, user, elsewhere);
    const out = await endSession(browser, { id_token_hint: a.idToken, post_logout_redirect_uri: POST_LOGOUT });
    expect(out.status).toBe(303);

    for (const [client, signedIn] of [
      [first, a],
      [second, b],
    ] as const) {
      const [delivery] = await deliveries(client.receiver ?? "", 1);
      expect(delivery?.contentType).toBe("application/x-www-form-urlencoded");
      const token = delivery?.logoutToken ?? "";
      // §2.4: signed like the client's ID tokens, explicitly typed, and with every REQUIRED claim.
      const claims = await verifyWithJwks(token, client.id, "logout+jwt");
      expect(decodeProtectedHeader(token).alg).toBe("RS256");
      expect(claims).toMatchObject({ iss: ISSUER, aud: client.id, sid: signedIn.sid, events: { [LOGOUT_EVENT]: {} } });
      expect(claims.sub).toBe(decodeJwt(signedIn.idToken).sub); // the sub this client sees (pairwise for `second`)
      expect(typeof claims.jti).toBe("string");
      expect(typeof claims.iat).toBe("number");
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(120);
      expect(claims).not.toHaveProperty("nonce");
    }
    expect(decodeJwt(b.idToken).sub).not.toBe(decodeJwt(a.idToken).sub);
    // The other browser's session is not this one: its client hears nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(elsewhere.receiver ?? "")).toHaveLength(0);
  });

  it("retries a failed delivery with the same jti, and gives up on a 400", async () => {
    const user = await newUser();
    const [flaky, refusing] = [await newClient(), await newClient()];
    await fetch(`${BACKCHANNEL}/${flaky.receiver ?? ""}`, { method: "PUT", body: "503" });
    await fetch(`${BACKCHANNEL}/${refusing.receiver ?? ""}`, { method: "PUT", body: "400,400" });
    const browser = new Browser();
    const a = await signIn(browser, user, flaky);
    await signIn(browser, user, refusing);
    await endSession(browser, { id_token_hint: a.idToken });
    expect(await deliveries(flaky.receiver ?? "", 1)).toHaveLength(1);
    expect(await deliveries(refusing.receiver ?? "", 1)).toHaveLength(1);
    // The retry is due in 10 s: once the alarm has recorded it, move the clock past it and run the alarm now.
    await retryRecorded(user.sub);
    setClockOffset(15);
    try {
      expect(await runDurableObjectAlarm(account(user.sub))).toBe(true);
    } finally {
      setClockOffset(0);
    }
    const attempts = await deliveries(flaky.receiver ?? "", 2);
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts.map((d) => decodeJwt(d.logoutToken));
    expect(second?.jti).toBe(first?.jti);
    // Delivered now: nothing is left to retry, and the refused one was not tried again.
    await runDurableObjectAlarm(account(user.sub));
    expect(await received(flaky.receiver ?? "")).toHaveLength(2);
    expect(await received(refusing.receiver ?? "")).toHaveLength(1);
  });

  it("is sent when an administrator signs the user out everywhere", async () => {
    const [user, client, browser] = [await newUser(), await newClient(), new Browser()];
    const { sid, tokens } = await signIn(browser, user, client);
    expect(await isActive(tokens.access_token, basic(client.id, client.secret))).toBe(true); // announced
    expect((await admin(`/users/${user.sub}/sign-out`, "POST")).status).toBe(200);
    const [delivery] = await deliveries(client.receiver ?? "", 1);
    expect(decodeJwt(delivery?.logoutToken ?? "").sid).toBe(sid);
  });

  it("reaches a client whose code was redeemed after an administrator's sign-out everywhere", async () => {
    const [user, client, browser] = [await newUser(), await newClient(), new Browser()];
    const location = await authorize(browser, { client_id: client.id, scope: "openid" }, user);
    expect((await admin(`/users/${user.sub}/sign-out`, "POST")).status).toBe(200);
    await expectLateRedemptionTold(client, location);
  });

  it("reaches a client whose code was redeemed after the sign-out, and revokes that grant", async () => {
    const [user, client, browser] = [await newUser(), await newClient(), new Browser()];
    const location = await authorize(browser, { client_id: client.id, scope: "openid" }, user);
    // Signed out (confirmed: no ID token yet) before the code is redeemed.
    const fields = hiddenFields(await (await endSession(browser, { client_id: client.id })).text());
    expect((await browser.post("/logout", { ...fields, decision: "logout" })).status).toBe(200);
    await expectLateRedemptionTold(client, location);
  });
});

describe("backchannel_logout_uri registration", () => {
  it("is validated: absolute, no fragment, https or (locally) loopback http", async () => {
    const register = (uri: string) =>
      admin("/clients", "POST", {
        redirect_uris: [DEMO_REDIRECT],
        backchannel_logout_uri: uri,
        backchannel_logout_session_required: true,
      });
    for (const uri of [
      "not a uri",
      "http://localhost:3000/logout#frag",
      "http://rp.example/logout",
      "ftp://rp.example/x",
      "https://user:pw@rp.example/logout",
    ]) {
      const res = await register(uri);
      expect(res.status).toBe(400);
      expect((await res.json<{ error: string }>()).error).toBe("invalid_client_metadata");
    }
    const ok = await register("https://rp.example/logout?tenant=1");
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      backchannel_logout_uri: "https://rp.example/logout?tenant=1",
      backchannel_logout_session_required: true,
    });
  });
});
