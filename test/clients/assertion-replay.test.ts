import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { nowSeconds, setClockOffset } from "../../src/clock";
import { useAssertion, type AssertionReplay } from "../../src/durable/assertion-replay";

const stubFor = (clientId: string, jti: string) =>
  env.ASSERTION_REPLAY.get(env.ASSERTION_REPLAY.idFromName(`${encodeURIComponent(clientId)}:${jti}`));

afterEach(() => setClockOffset(0));

describe("AssertionReplay Durable Object", () => {
  it("accepts a jti once per client", async () => {
    const until = nowSeconds() + 70;
    expect(await useAssertion(env, "client-a", "jti-1", until)).toBe(true);
    expect(await useAssertion(env, "client-a", "jti-1", until)).toBe(false);
    expect(await useAssertion(env, "client-b", "jti-1", until)).toBe(true);
    // ':' in a client_id cannot make two different pairs collide.
    expect(await useAssertion(env, "x:y", "z", until)).toBe(true);
    expect(await useAssertion(env, "x", "y:z", until)).toBe(true);
  });

  it("keeps the record until the assertion has expired, then its alarm deletes it", async () => {
    const until = nowSeconds() + 70;
    expect(await useAssertion(env, "client-c", "jti-2", until)).toBe(true);
    const stub = stubFor("client-c", "jti-2");
    expect(await runInDurableObject(stub, (_i: AssertionReplay, state) => state.storage.getAlarm())).toBe(until * 1000);
    await runDurableObjectAlarm(stub);
    expect(await useAssertion(env, "client-c", "jti-2", until)).toBe(false);
    setClockOffset(71);
    await runDurableObjectAlarm(stub);
    expect(
      await runInDurableObject(stub, (_i: AssertionReplay, state) => state.storage.kv.get("seen")),
    ).toBeUndefined();
  });
});
