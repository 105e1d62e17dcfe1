// Sealed authorization codes and the Grant object they create: single use holds however the code is spelled
// and however short the grant's tokens live, and grants stored before owners existed still announce themselves.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { base64url } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import type { Grant } from "../../src/durable/grant";
import { hashSecret } from "../../src/tokens/grant-token";
import { Browser, ISSUER, basic, codeFor, expectOAuthError, redeem, refresh, type Tokens } from "../helpers";
import { SECRET, registerClient } from "../tokens/fixtures";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Another spelling of the same bytes (the last character's unused bits set), or undefined when there is none. */
function respelled(code: string): string | undefined {
  const [id, sealed = ""] = code.split(".");
  const bytes = base64url.decode(sealed);
  if (bytes.length % 3 === 0) return undefined;
  const last = sealed.at(-1) ?? "A";
  const alt = `${sealed.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(last) ^ 1]}`;
  // The decoder accepts it as the same bytes: exactly what an attacker would try.
  expect(base64url.decode(alt)).toEqual(bytes);
  return `${id}.${alt}`;
}

afterEach(() => setClockOffset(0));

describe("authorization codes", () => {
  it("a second spelling of a code is refused, before and after the code is redeemed (RFC 6749 §4.1.2)", async () => {
    let code = "";
    let alt: string | undefined;
    for (let i = 0; i < 6 && !alt; i++) {
      code = await codeFor(new Browser());
      alt = respelled(code);
    }
    if (!alt) throw new Error("no code with unused bits in six tries");
    // Presented first, the other spelling is not a code at all, so the real redemption still works...
    await expectOAuthError(await redeem(alt), 400, "invalid_grant");
    const tokens = await (await redeem(code)).json<Tokens>();
    // ...and presented after it, it is reuse: denied, and everything issued from the code is revoked.
    await expectOAuthError(await redeem(alt), 400, "invalid_grant");
    await expectOAuthError(await redeem(code), 400, "invalid_grant");
    const userinfo = await exports.default.fetch(`${ISSUER}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it("the grant outlives its code even when its access token lives 1 s: a replay after expiry is still reuse", async () => {
    await registerClient({ client_id: "short-lived", lifetimes: { accessToken: 1 } });
    const code = await codeFor(new Browser(), { client_id: "short-lived", scope: "openid" });
    const auth = basic("short-lived", SECRET);
    expect((await redeem(code, {}, auth)).status).toBe(200);
    setClockOffset(5); // the access token has expired, the 60 s code has not
    const stub = env.GRANT.get(env.GRANT.idFromString(code.split(".")[0] ?? ""));
    await runDurableObjectAlarm(stub);
    await expectOAuthError(await redeem(code, {}, auth), 400, "invalid_grant");
  });
});

describe("grants stored before owners existed", () => {
  it("announce themselves on first use, so a sign-out everywhere revokes them", async () => {
    // A version-1 record without createdAtMs or unregistered, as stored before grants had owners.
    const id = env.GRANT.newUniqueId();
    const secret = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const now = Math.floor(Date.now() / 1000);
    const legacy = {
      v: 1,
      clientId: "demo",
      sub: "3c9e7a1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d", // fork
      scope: ["openid", "offline_access"],
      authTime: now - 60,
      amr: ["pwd"],
      offline: true,
      refresh: {
        hash: await hashSecret(secret),
        expiresAt: now + 3600,
        absoluteExpiresAt: now + 7200,
        idleLifetime: 3600,
        graceSeconds: 10,
        retired: [],
      },
      opaque: [],
      revokedJti: [],
      revoked: false,
      expiresAt: now + 3600,
    };
    await runInDurableObject(env.GRANT.get(id), (_instance: Grant, state) => state.storage.kv.put("grant", legacy));
    const first = await refresh(`${id.toString()}.${secret}`);
    expect(first.status).toBe(200);
    const res = await exports.default.fetch(`${ISSUER}/admin/users/3c9e7a1b-2d4f-4a6b-8c0d-1e2f3a4b5c6d/sign-out`, {
      method: "POST",
      headers: { authorization: "Bearer dev-admin-token" },
    });
    expect(res.status).toBe(200);
    await expectOAuthError(await refresh((await first.json<Tokens>()).refresh_token ?? ""), 400, "invalid_grant");
  });
});
