// Pairwise subject identifiers (OIDC Core §8.1): one sub per sector identifier, the same in the ID token, the
// access token, userinfo and introspection for a client; public clients keep the local sub. The session's sid is
// pairwise too: per sector in ID tokens, logout tokens and the id_token_hint check at /logout.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { objects } from "../../src/storage";
import {
  Browser,
  ISSUER,
  authorize,
  basic,
  codeFor,
  introspect,
  newUser,
  redeem,
  verifyWithJwks,
  type TestUser,
  type Tokens,
} from "../helpers";
import { SECRET, registerClient, tokensFor, userinfoFetch } from "./fixtures";

const LOCAL_SUB = "8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c";

const pairwise = (client_id: string, redirect_uris: string[], sector_identifier?: string) =>
  registerClient({
    client_id,
    redirect_uris,
    subject_type: "pairwise",
    ...(sector_identifier ? { sector_identifier } : {}),
  });

async function idTokenSub(
  clientId: string,
  redirectUri: string,
  browser = new Browser(),
): Promise<{ sub: string; tokens: Tokens }> {
  const tokens = await tokensFor(
    clientId,
    { redirect_uri: redirectUri, scope: "openid profile offline_access" },
    browser,
  );
  const claims = await verifyWithJwks(tokens.id_token ?? "", clientId);
  return { sub: String(claims.sub), tokens };
}

describe("pairwise subject identifiers", () => {
  it("differ between sectors, agree within one, and never reveal the local sub", async () => {
    await pairwise("pw-a", ["https://a.example/cb"]);
    await pairwise("pw-a-paths", ["https://a.example/one", "https://a.example/two"]);
    await pairwise("pw-a-sector", ["https://app.other.example/cb"], "a.example");
    await pairwise("pw-b", ["https://b.example/cb"]);

    const a = (await idTokenSub("pw-a", "https://a.example/cb")).sub;
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(LOCAL_SUB);
    // The same sector: one host with several paths, or a registered sector identifier.
    expect((await idTokenSub("pw-a-paths", "https://a.example/two")).sub).toBe(a);
    expect((await idTokenSub("pw-a-sector", "https://app.other.example/cb")).sub).toBe(a);
    // Another sector, another sub; a public client keeps the local one.
    expect((await idTokenSub("pw-b", "https://b.example/cb")).sub).not.toBe(a);
    const demo = await redeem(await codeFor(new Browser()));
    expect((await verifyWithJwks((await demo.json<Tokens>()).id_token ?? "", "demo")).sub).toBe(LOCAL_SUB);
  });

  it("native apps with private-use schemes, and loopback apps on different ports, never share a sub", async () => {
    const apps: [string, string][] = [
      ["pw-native-alpha", "com.alpha.app:/cb"],
      ["pw-native-bravo", "org.bravo.other:/callback"],
      ["pw-loopback-1", "http://127.0.0.1:4001/cb"],
      ["pw-loopback-2", "http://127.0.0.1:4002/cb"],
      ["pw-localhost", "http://localhost:4003/cb"],
    ];
    const subs = [];
    for (const [clientId, redirect] of apps) {
      await registerClient({
        client_id: clientId,
        redirect_uris: [redirect],
        subject_type: "pairwise",
        application_type: "native",
      });
      subs.push((await idTokenSub(clientId, redirect)).sub);
    }
    expect(new Set(subs).size).toBe(apps.length);
    // Each still agrees with itself.
    expect((await idTokenSub("pw-native-alpha", "com.alpha.app:/cb")).sub).toBe(subs[0]);
  });

  it("the access token, userinfo and introspection carry the ID token's sub (OIDC Core §5.3.2)", async () => {
    await pairwise("pw-c", ["https://c.example/cb"]);
    const { sub, tokens } = await idTokenSub("pw-c", "https://c.example/cb");
    expect((await verifyWithJwks(tokens.access_token, ISSUER, "at+jwt")).sub).toBe(sub);
    const info = await (await userinfoFetch(tokens.access_token)).json<Record<string, unknown>>();
    expect(info.sub).toBe(sub);
    expect(info.name).toBe("Sam Spoon");
    for (const token of [tokens.access_token, tokens.refresh_token ?? ""]) {
      const body = await (await introspect(token, basic("pw-c", SECRET))).json<{ active: boolean; sub: string }>();
      expect(body).toMatchObject({ active: true, sub });
    }
  });

  it("opaque access tokens resolve to the same pairwise sub", async () => {
    await registerClient({
      client_id: "pw-opaque",
      redirect_uris: ["https://d.example/cb"],
      subject_type: "pairwise",
      access_token_format: "opaque",
    });
    const { sub, tokens } = await idTokenSub("pw-opaque", "https://d.example/cb");
    expect((await (await userinfoFetch(tokens.access_token)).json<{ sub: string }>()).sub).toBe(sub);
    expect(
      (await (await introspect(tokens.access_token, basic("pw-opaque", SECRET))).json<{ sub: string }>()).sub,
    ).toBe(sub);
  });

  it("a pairwise ID token is an id_token_hint for the signed-in user", async () => {
    await pairwise("pw-hint", ["https://e.example/cb"]);
    const browser = new Browser();
    const { tokens } = await idTokenSub("pw-hint", "https://e.example/cb", browser);
    const location = await authorize(browser, {
      client_id: "pw-hint",
      redirect_uri: "https://e.example/cb",
      prompt: "none",
      id_token_hint: tokens.id_token ?? "",
    });
    expect(location.searchParams.get("code")).toBeTruthy();
  });

  it("a pairwise client with redirect URIs on several hosts and no sector identifier gets no tokens", async () => {
    await pairwise("pw-ambiguous", ["https://f.example/cb", "https://g.example/cb"]);
    const code = await codeFor(new Browser(), { client_id: "pw-ambiguous", redirect_uri: "https://f.example/cb" });
    const res = await redeem(code, { redirect_uri: "https://f.example/cb" }, basic("pw-ambiguous", SECRET));
    expect(res.status).toBe(500);
    expect((await res.json<{ error: string }>()).error).toBe("server_error");
  });
});

describe("pairwise session ids (OIDC Core §8, Back-Channel Logout §2.1, §2.4)", () => {
  /** The user signs in (or is signed in already) on the browser for the client; its ID token's claims. */
  async function signIn(browser: Browser, user: TestUser, clientId: string, redirectUri: string) {
    const location = await authorize(
      browser,
      { client_id: clientId, redirect_uri: redirectUri, scope: "openid" },
      user,
    );
    const res = await redeem(
      location.searchParams.get("code") ?? "",
      { redirect_uri: redirectUri },
      basic(clientId, SECRET),
    );
    expect(res.status).toBe(200);
    const idToken = (await res.json<Tokens>()).id_token ?? "";
    return { idToken, claims: await verifyWithJwks(idToken, clientId) };
  }
  const sidOf = async (browser: Browser, user: TestUser, clientId: string, redirectUri: string) =>
    String((await signIn(browser, user, clientId, redirectUri)).claims.sid);
  /** Whether the user's Account holds a live session under this sid. */
  const liveSession = (user: TestUser, sid: string) => objects.account(env, user.sub).sessionLive(sid);

  it("differ between sectors within one session; a public client sees the session's own sid", async () => {
    await pairwise("pw-sid-a", ["https://sid-a.example/cb"]);
    await pairwise("pw-sid-a-too", ["https://app.elsewhere.example/cb"], "sid-a.example");
    await pairwise("pw-sid-b", ["https://sid-b.example/cb"]);
    await registerClient({ client_id: "public-sid", redirect_uris: ["https://sid-a.example/cb"] });
    const [user, browser] = [await newUser(), new Browser()];

    const a = await sidOf(browser, user, "pw-sid-a", "https://sid-a.example/cb");
    const b = await sidOf(browser, user, "pw-sid-b", "https://sid-b.example/cb");
    const plain = await sidOf(browser, user, "public-sid", "https://sid-a.example/cb");
    // The public client's sid names the session the Account keeps; the pairwise ones name none.
    expect(await liveSession(user, plain)).toBe(true);
    expect(new Set([a, b, plain]).size).toBe(3);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await liveSession(user, a)).toBe(false);
    // One sector, one sid (as with sub); the same again for the same session, another for the next one.
    expect(await sidOf(browser, user, "pw-sid-a-too", "https://app.elsewhere.example/cb")).toBe(a);
    expect(await sidOf(browser, user, "pw-sid-a", "https://sid-a.example/cb")).toBe(a);
    expect(await sidOf(new Browser(), user, "pw-sid-a", "https://sid-a.example/cb")).not.toBe(a);
  });

  it("a pairwise client's ID token is an id_token_hint of the session, and its logout token carries the same sid", async () => {
    const receiver = crypto.randomUUID();
    await registerClient({
      client_id: "pw-sid-logout",
      redirect_uris: ["https://sid-c.example/cb"],
      post_logout_redirect_uris: ["https://sid-c.example/bye"],
      backchannel_logout_uri: `${inject("backchannelBase")}/${receiver}`,
      subject_type: "pairwise",
    });
    const [user, browser] = [await newUser(), new Browser()];
    const { idToken, claims } = await signIn(browser, user, "pw-sid-logout", "https://sid-c.example/cb");
    expect(await liveSession(user, String(claims.sid))).toBe(false); // pairwise, not the session's own

    // RP-Initiated Logout §2: a hint of this session signs out at once, without asking.
    const query = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: "https://sid-c.example/bye",
    });
    const res = await browser.fetch(`/logout?${query.toString()}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://sid-c.example/bye");

    const logoutToken = await delivered(receiver);
    const logout = await verifyWithJwks(logoutToken, "pw-sid-logout", "logout+jwt");
    expect(logout.sid).toBe(claims.sid);
    expect(logout.sub).toBe(claims.sub);
  });
});

/** The first logout token the client's back-channel receiver got (the Account's alarm posts it after the sign-out). */
async function delivered(receiver: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const bodies = await (await fetch(`${inject("backchannelBase")}/${receiver}`)).json<string[]>();
    const [first] = bodies;
    if (first !== undefined) return new URLSearchParams(first.split("\n")[1] ?? "").get("logout_token") ?? "";
    if (Date.now() > deadline) throw new Error("no logout token was delivered");
    await new Promise((r) => setTimeout(r, 50));
  }
}
