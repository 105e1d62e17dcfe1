// Pairwise subject identifiers (OIDC Core §8.1): one sub per sector identifier, the same in the ID token, the
// access token, userinfo and introspection for a client; public clients keep the local sub.
import { describe, expect, it } from "vitest";
import {
  Browser,
  ISSUER,
  authorize,
  basic,
  codeFor,
  introspect,
  redeem,
  verifyWithJwks,
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
