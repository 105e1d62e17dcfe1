import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setClockOffset } from "../../src/clock";
import * as v from "valibot";
import type { Grant } from "../../src/durable/grant";
import { GrantState } from "../../src/durable/grant-state";
import { doKeys, objects } from "../../src/storage";
import { authorize, Browser, codeFor, newUser, redeem } from "../helpers";

describe("Grant Durable Object", () => {
  it("stores nothing at /authorize, and only a hash of the code once it is redeemed", async () => {
    const code = await codeFor(new Browser());
    const [id, sealed] = code.split(".");
    const stub = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    const stored = () =>
      runInDurableObject(stub, (_instance: Grant, state) => JSON.stringify(state.storage.kv.get("grant") ?? null));
    expect(await stored()).toBe("null");
    expect((await redeem(code)).status).toBe(200);
    expect(await stored()).toContain(`"hash"`);
    expect(await stored()).not.toContain(sealed);
  });

  it("a redemption announces the grant to its owners before answering: one write, one alarm (at its expiry)", async () => {
    const user = await newUser();
    const location = await authorize(new Browser(), {}, user);
    const code = location.searchParams.get("code") ?? "";
    const [id] = code.split(".");
    const stub = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    expect((await redeem(code)).status).toBe(200);
    // No alarm run, no use of the grant: the answer came after both owners knew of it.
    const { unregistered, alarmAt } = await runInDurableObject(stub, async (_i: Grant, state) => ({
      unregistered: v.parse(GrantState, state.storage.kv.get(doKeys.grant.state)).unregistered,
      alarmAt: await state.storage.getAlarm(),
    }));
    expect(unregistered).toBe(false);
    expect(alarmAt).toBeGreaterThan(Date.now() + 3500 * 1000);
    const known = await runInDurableObject(objects.account(env, user.sub), (_i, state) =>
      [...state.storage.kv.list({ prefix: doKeys.account.grants.prefix })].some(([key]) => key.endsWith(`:${id}`)),
    );
    expect(known).toBe(true);
  });

  it("JWT access tokens revoked on their own stay revoked however many there are; each is one row, not a rewrite", async () => {
    const code = await codeFor(new Browser());
    const [id] = code.split(".");
    const stub = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    expect((await redeem(code)).status).toBe(200);
    const stateNow = () =>
      runInDurableObject(stub, (_i: Grant, state) => JSON.stringify(state.storage.kv.get(doKeys.grant.state)));
    const before = await stateNow();
    // More than the 1,000 the grant's state once kept (the oldest then became valid again).
    const jtis = Array.from({ length: 1100 }, (_, i) => `${id ?? ""}.revoked-${i}`);
    for (const jti of jtis) expect(await stub.revokeJwt(jti, "demo")).toBe("revoked");
    expect(await stateNow()).toBe(before);
    expect(await stub.jwtGrant(jtis[0] ?? "")).toBeNull();
    expect(await stub.jwtGrant(jtis.at(-1) ?? "")).toBeNull();
    expect(await stub.jwtGrant(`${id ?? ""}.still-good`)).not.toBeNull();
    // Another client may not revoke it (RFC 7009 §2.1), and nothing is written then.
    expect(await stub.revokeJwt(`${id ?? ""}.other`, "demo-post")).toBe("wrong_client");
    expect(await stub.jwtGrant(`${id ?? ""}.other`)).not.toBeNull();
  });

  it("a grant stored before revoked JWTs had rows of their own still refuses those in its list", async () => {
    const code = await codeFor(new Browser());
    const [id] = code.split(".");
    const stub = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    expect((await redeem(code)).status).toBe(200);
    const legacy = `${id ?? ""}.legacy`;
    // A fresh instance reads the record as stored (the object's own parsed copy is per instance).
    await runInDurableObject(stub, (_i: Grant, state) => {
      const stored = v.parse(GrantState, state.storage.kv.get(doKeys.grant.state));
      state.storage.kv.put(doKeys.grant.state, { ...stored, revokedJti: [legacy] });
    });
    const fresh = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    await runInDurableObject(fresh, (instance: Grant) => Reflect.set(instance, "cached", undefined));
    expect(await fresh.jwtGrant(legacy)).toBeNull();
    expect(await fresh.jwtGrant(`${id ?? ""}.other`)).not.toBeNull();
  });

  it("its alarm deletes the state after the grant has expired, and not before", async () => {
    const code = await codeFor(new Browser());
    const [id] = code.split(".");
    const stub = env.GRANT.get(env.GRANT.idFromString(id ?? ""));
    expect((await redeem(code)).status).toBe(200);
    // The first alarm announces the grant to its owners (the user's Account, the client's ClientState); using
    // the grant does so too if the alarm has not yet. Then the alarm waits for the grant's expiry.
    await stub.jwtGrant("any");
    const alarmAt = await eventually(
      () => runInDurableObject(stub, (_i: Grant, state) => state.storage.getAlarm()),
      (at) => (at ?? 0) > Date.now() + 60_000,
    );
    expect(alarmAt).toBeGreaterThan(Date.now() + 3500 * 1000); // covers the access token's lifetime
    // Running the alarm early keeps the state (and re-arms).
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_i: Grant, state) => state.storage.kv.get("grant"))).toBeDefined();
    setClockOffset(3601);
    try {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      expect(await runInDurableObject(stub, (_i: Grant, state) => state.storage.kv.get("grant"))).toBeUndefined();
    } finally {
      setClockOffset(0);
    }
  });
});

/** Polls `read` until `done` holds (an alarm already in flight may still be finishing), for at most 2 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 40 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}
