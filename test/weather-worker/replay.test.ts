// The durable replay store (DpopReplayObject) in the weather example Worker, as wrangler.toml binds it: one
// proof is accepted once, however many requests carry it at the same time (RFC 9449 §11.1).
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { durableReplayStore, verifyRequest, type VerifyAccessTokenOptions } from "../../src/resource";
import { DpopClient } from "../resource/dpop-client";
import { FakeIssuer, testClock } from "../resource/fake-issuer";

const URL_ME = "https://weather.example/current";

function replayNamespace(): DurableObjectNamespace {
  const bindings: unknown = env;
  if (typeof bindings !== "object" || bindings === null || !("DPOP_REPLAY" in bindings)) {
    throw new Error("the weather Worker has no DPOP_REPLAY binding");
  }
  return bindings.DPOP_REPLAY as DurableObjectNamespace;
}

describe("durableReplayStore", () => {
  it("answers true once per key, and false for every later use", async () => {
    const store = durableReplayStore(replayNamespace());
    const key = `jkt:${crypto.randomUUID()}`;
    const until = Math.floor(Date.now() / 1000) + 60;
    expect(await store.use(key, until)).toBe(true);
    expect(await store.use(key, until)).toBe(false);
    expect(await store.use(`jkt:${crypto.randomUUID()}`, until)).toBe(true);
  });

  it("is one store per namespace, so options built per request keep their identity", () => {
    expect(durableReplayStore(replayNamespace())).toBe(durableReplayStore(replayNamespace()));
  });

  it("concurrent uses of one key: exactly one succeeds", async () => {
    const store = durableReplayStore(replayNamespace());
    const key = `jkt:${crypto.randomUUID()}`;
    const until = Math.floor(Date.now() / 1000) + 60;
    const answers = await Promise.all(Array.from({ length: 20 }, () => store.use(key, until)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it("the object forgets its proof at its alarm (after the window), and refuses malformed requests", async () => {
    const namespace = replayNamespace();
    const key = `jkt:${crypto.randomUUID()}`;
    const store = durableReplayStore(namespace);
    expect(await store.use(key, Math.floor(Date.now() / 1000) + 60)).toBe(true);
    const stub = namespace.get(namespace.idFromName(key));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await store.use(key, Math.floor(Date.now() / 1000) + 60)).toBe(true);
    for (const init of [{ method: "POST", body: "soon" }, { method: "GET" }]) {
      const res = await stub.fetch("https://dpop-replay.invalid/use", init);
      expect(res.status).toBe(400);
    }
  });
});

describe("verifyRequest with the durable store", () => {
  it("one proof sent in many concurrent requests: exactly one is accepted, the rest are replays", async () => {
    const clock = testClock();
    const { issuer, key } = await FakeIssuer.create(clock);
    const client = await DpopClient.create(clock);
    const token = await issuer.token(key, { cnf: { jkt: client.jkt } });
    const options: VerifyAccessTokenOptions = {
      issuer: issuer.issuer,
      audience: issuer.audience,
      fetcher: issuer,
      cache: false,
      now: () => clock.now,
      dpop: { replay: durableReplayStore(replayNamespace()) },
    };
    const proof = await client.proof("GET", URL_ME, token);
    const request = () => new Request(URL_ME, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        verifyRequest(request(), options).then(
          () => "accepted",
          (err: unknown) => (err instanceof Error && "code" in err ? String(err.code) : String(err)),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "accepted")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "ERR_DPOP_REPLAYED")).toHaveLength(9);
  });
});
