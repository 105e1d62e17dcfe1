// The password-login throttles (config.loginThrottle, docs/security.md), driven through the password grant with the
// address Cloudflare reports in CF-Connecting-IP: an attacker who does not know the password cannot lock the user
// out from one address, spraying usernames from one address stops before any hash is computed, and distributed
// guessing slows the account down for a few minutes at most.
import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import { config } from "../../src/config";
import { ISSUER, basic } from "../helpers";

function passwordGrant(username: string, password: string, ip: string): Promise<Response> {
  return exports.default.fetch(`${ISSUER}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic("demo", "demo-secret"),
      "cf-connecting-ip": ip,
    },
    body: new URLSearchParams({ grant_type: "password", username, password, scope: "openid" }).toString(),
  });
}

async function outcome(res: Response): Promise<"ok" | "wrong" | "throttled"> {
  if (res.status === 200) return "ok";
  const body = await res.json<{ error: string; error_description: string }>();
  expect(body.error).toBe("invalid_grant");
  return body.error_description.includes("too many") ? "throttled" : "wrong";
}

describe("password-login throttles", () => {
  it("five wrong passwords from one address lock out that address only: the user signs in from another", async () => {
    const outcomes = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(await outcome(await passwordGrant("spoon", `guess-${i}`, "198.51.100.1")));
    expect(outcomes).toEqual(["wrong", "wrong", "wrong", "wrong", "wrong", "throttled"]);
    // Case variants of the username count as the same account.
    expect(await outcome(await passwordGrant("SPOON", "spoon", "198.51.100.1"))).toBe("throttled");
    expect(await outcome(await passwordGrant("spoon", "spoon", "203.0.113.7"))).toBe("ok");
  });

  it("spraying usernames from one address stops at the source's limit, before any per-account throttle exists", async () => {
    const { maxFailures } = config.loginThrottle.perSource;
    const ip = "192.0.2.44";
    const before = (await listDurableObjectIds(env.LIMITER)).length;
    const outcomes = [];
    for (let i = 0; i < maxFailures + 5; i++) {
      outcomes.push(await outcome(await passwordGrant(`sprayed-${i}-${crypto.randomUUID()}`, "Winter2026!", ip)));
    }
    expect(outcomes.filter((o) => o === "wrong")).toHaveLength(maxFailures);
    expect(outcomes.slice(maxFailures)).toEqual(Array.from({ length: 5 }, () => "throttled"));
    // One object for the source, two per username it was allowed to try: none for the refused ones, whose
    // passwords were therefore never hashed either.
    expect((await listDurableObjectIds(env.LIMITER)).length - before).toBe(1 + 2 * maxFailures);
    // The user of another address is not affected.
    expect(await outcome(await passwordGrant("fork", "fork", "192.0.2.45"))).toBe("ok");
  });

  it("guessing one account from many addresses throttles it for a few minutes at most", async () => {
    const { maxFailures, windowSeconds } = config.loginThrottle.perAccount;
    expect(windowSeconds).toBeLessThanOrEqual(5 * 60);
    for (let i = 0; i < maxFailures; i++) {
      expect(await outcome(await passwordGrant("fork", `guess-${i}`, `10.1.${i >> 8}.${i & 255}`))).toBe("wrong");
    }
    expect(await outcome(await passwordGrant("fork", "fork", "10.2.0.1"))).toBe("throttled");
    setClockOffset(windowSeconds + 1);
    try {
      expect(await outcome(await passwordGrant("fork", "fork", "10.2.0.1"))).toBe("ok");
    } finally {
      setClockOffset(0);
    }
  });
});
