// `npm run bench`: every flow side by side with oidc-provider (the OpenID-certified Node provider, configured
// like our demo: scripts/bench/peer.mjs), on loopback in one run, driven by the same load generator
// (scripts/bench/load.mjs: keep-alive fetch, a fixed number in flight). Two peers: oidc-provider's in-memory
// adapter, and the same on Redis (scripts/bench/redis-store.mjs) when redis-server is installed, as it runs in
// production. Ours is served through Miniflare's API (scripts/bench/ours.mjs), the leanest local workerd host.
// Fair to the peers: per flow every side is a fresh process (no heap, store or JIT state from another flow), warmed
// up by a block of that flow, then measured in ROUNDS timed blocks alternated A B C / C B A; the spread over the
// rounds is printed. Per flow: requests/s, p50 latency, errors, whole-process CPU per operation of each server (from
// /proc; the Redis peer's includes redis-server's) and each side's floor (a trivial request answered before the
// provider), the CPU of our real handler in a loop inside workerd (median of several runs, with the spread), and
// what ours does per operation: KV reads, calls to Durable Objects and between them, alarms set and run, objects
// created, rows written, the objects' busy time, and what a million operations cost on Workers. Then the raw
// signatures per algorithm, the API-side verifier, and the deployable bundle's size. Writes
// bench/results/latest.json and latest.svg.
// Then, ours only (oidc-provider has no passkey sign-in), a sign-in with a password and one with a passkey side by
// side: one POST /login each, in the isolate, its inputs (users, login pages, assertions) made before the timing.
// Environment: BENCH_ROUNDS (default 3), BENCH_BLOCK_SECONDS (default 5), BENCH_WARMUP_SECONDS (default 3),
// BENCH_CONCURRENCY (default 10), BENCH_REVOKE_TOKENS (per revocation block, default 3000), BENCH_LOOP_N
// (in-isolate iterations, default 300; 10x for flows that touch no object), BENCH_ISOLATE_RUNS (default 5),
// BENCH_ONLY ("sign-in": only the sign-in measurements, ours alone, written to bench/results/sign-in.json).
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuMs, runBlock, rssMiB } from "./bench/load.mjs";
import { redisAvailable, startRedis } from "./bench/redis-store.mjs";
import { bundle, freePort, productionBundleSize, startOurs } from "./bench/ours.mjs";
import { ourAuthorizeUrl, ourSession } from "./bench/ours-session.mjs";
import { peerSession, peerSilentCode } from "./bench/peer-session.mjs";
import { verifierBench } from "./bench/verifier.mjs";
import { renderSvg } from "./bench/chart.mjs";
import { dpopProver } from "./bench/dpop.mjs";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
/**
 * BENCH_SMOKE=1 (`npm run bench:smoke`, run by CI): every flow once, in short blocks, to show that the bench runs,
 * that no flow answers an error, and that the counted targets (round trips, rows written) hold; those counts do not
 * depend on the machine's speed, so CI can hold them, while its timings mean nothing. Writes
 * bench/results/smoke.json and exits 1 on an error or a missed count.
 */
const SMOKE = process.env.BENCH_SMOKE === "1";
const smokeDefault = (full, smoke) => String(SMOKE ? smoke : full);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? smokeDefault(3, 1));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const BLOCK_MS = Number(process.env.BENCH_BLOCK_SECONDS ?? smokeDefault(5, 0.5)) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? smokeDefault(3, 0.3)) * 1000;
/** Access tokens revoked per revocation block (each block revokes what a refresh block issued just before). */
const REVOKE_TOKENS = Number(process.env.BENCH_REVOKE_TOKENS ?? smokeDefault(3000, 100));
const PEERS = ["oidc-provider", "oidc-provider+redis"];
const LOOP_N = Number(process.env.BENCH_LOOP_N ?? smokeDefault(300, 10));
/** Runs of each in-isolate loop (the median and the spread are reported). */
const ISOLATE_RUNS = Number(process.env.BENCH_ISOLATE_RUNS ?? smokeDefault(5, 1));
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== "sign-in") throw new Error(`BENCH_ONLY: "sign-in" or unset, not "${ONLY}"`);

const SCOPE = "openid profile email offline_access";
const REDIRECT = "http://localhost:3000/callback";
const RS256_API = "urn:edge-oidc:api:bench-rs256";
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const SERVICE = basic("demo-service", "demo-service-secret");
const DEMO = basic("demo", "demo-secret");

/**
 * Cloudflare's published prices (Workers Paid, USD): per million Worker requests, CPU ms, Durable Object requests
 * (the Worker's calls, objects' calls to each other and alarm runs), KV reads, SQLite rows written, and GB-s of
 * Durable Object duration (an object is billed at 128 MB while active).
 */
const PRICES = { request: 0.3, cpuMs: 0.02, doRequest: 0.15, kvRead: 0.5, rowWritten: 1.0, doGbSecond: 12.5 };
const OBJECT_GB = 0.128;

/**
 * The flows. `floors`: the trivial requests one operation's requests are made of (a GET, or a form POST whose body
 * each side reads), subtracted from its CPU so that each side's runtime and host count for nothing. `stateful`: the flow
 * must reach a Durable Object (then it must also be at or under the Redis-backed peer). `limit`: the target, ours ÷
 * the in-memory peer's CPU above the floors. `trips`: the round-trip target. `rows`: at most this many rows written
 * per operation (issue 19: no more than before it, when a code flow wrote 6 and the others as now).
 */
const FLOWS = [
  { name: "floor", label: "floor (trivial GET)", floors: [], stateful: false, trips: { kv: 0, do: 0 } },
  { name: "floor-post", label: "floor (trivial form POST)", floors: [], stateful: false, trips: { kv: 0, do: 0 } },
  { name: "discovery", floors: ["floor"], stateful: false, limit: 0.5, trips: { kv: 0, do: 0 } },
  { name: "jwks", floors: ["floor"], stateful: false, limit: 0.5, trips: { kv: 0, do: 0 } },
  {
    name: "cc-es256",
    label: "client_credentials ES256",
    floors: ["floor-post"],
    stateful: false,
    limit: 0.5,
    trips: { kv: 0, do: 0 },
    rows: 0,
  },
  {
    name: "cc-rs256",
    label: "client_credentials RS256",
    floors: ["floor-post"],
    stateful: false,
    limit: 0.5,
    trips: { kv: 0, do: 0 },
    rows: 0,
  },
  // RFC 9449: a DPoP proof per request (made by the driver, not timed on either server) and its jti spent once.
  {
    name: "cc-dpop",
    label: "client_credentials DPoP",
    floors: ["floor-post"],
    stateful: true,
    limit: 1.0,
    trips: { kv: 0, do: 1 },
    rows: 1,
  },
  {
    name: "code",
    label: "code flow (session)",
    floors: ["floor", "floor-post"],
    stateful: true,
    limit: 1.5,
    trips: { total: 2 },
    rows: 4,
  },
  { name: "refresh", floors: ["floor-post"], stateful: true, limit: 1.0, trips: { kv: 0, do: 1 }, rows: 1 },
  { name: "userinfo", floors: ["floor"], stateful: true, limit: 1.0, trips: { total: 1 }, rows: 0 },
  { name: "introspect", floors: ["floor-post"], stateful: true, limit: 1.0, trips: { total: 1 }, rows: 0 },
  { name: "revoke", floors: ["floor-post"], stateful: true, limit: 2.0, trips: { total: 1 }, rows: 1 },
];

/**
 * Sign-ins, ours only: one POST /login that checks the credential and starts the session (the redirect it answers
 * is not followed). Measured in the isolate only, ROUNDS times each, alternated.
 */
const SIGN_IN = [
  { name: "signin-password", label: "sign-in: password" },
  { name: "signin-passkey", label: "sign-in: passkey (synced)" },
];
/** The issue's target: a passkey sign-in costs at most this much in the isolate. */
const PASSKEY_TARGET_MS = 1;

async function expectOk(res, what) {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

const form = (url, fields, authorization) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization },
    body: new URLSearchParams(fields),
  });

async function tokenJson(side, fields, authorization) {
  return JSON.parse(
    await expectOk(await form(side.meta.token_endpoint, fields, authorization), `token ${fields.grant_type}`),
  );
}

/**
 * Starts oidc-provider in its own process (its CPU is then its own), on Redis when `redis` is given, and waits for
 * its READY line. `pids`: the processes whose CPU is the peer's (with Redis, redis-server's too).
 */
async function startPeer(redis) {
  // tsx lets the peer read our own configuration and demo users (src/config.ts, src/demo/users.ts).
  const args = ["--import", "tsx", join(root, "scripts/bench/peer.mjs"), "--port", "0"];
  if (redis) args.push("--redis", redis.url);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  // oidc-provider warns at every start (Node 20, devInteractions): said once in docs/performance.md, not 33 times.
  child.stderr.on("data", (chunk) => {
    const lines = String(chunk)
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("oidc-provider WARNING"));
    if (lines.length > 0) process.stderr.write(`${lines.join("\n")}\n`);
  });
  const base = await new Promise((resolveBase, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const ready = /READY (\S+)/.exec(out);
      if (ready) resolveBase(ready[1]);
    });
    child.on("exit", (code) => reject(new Error(`oidc-provider exited (${code})`)));
  });
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  return {
    base,
    pids: redis ? [child.pid, redis.pid] : [child.pid],
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Everything one side needs to run every flow. */
async function prepareSide(name, base, pids, silentCode, login) {
  const meta = JSON.parse(await expectOk(await fetch(`${base}/.well-known/openid-configuration`), "discovery"));
  const side = { name, base, pids, meta, silentCode, login, chains: [], collected: [] };
  await login();
  const redeemOnce = async () =>
    tokenJson(side, { grant_type: "authorization_code", code: await silentCode(), redirect_uri: REDIRECT }, DEMO);
  // Setting up (not measured): oidc-provider ends a session's grant when one of its refresh tokens is revoked,
  // after which the silent flow wants the consent page again; sign in anew then.
  const redeem = async () => {
    try {
      return await redeemOnce();
    } catch {
      await side.login();
      return redeemOnce();
    }
  };
  const first = await redeem();
  if (!first.refresh_token || !first.id_token)
    throw new Error(`${name}: the code flow gave no refresh token or ID token`);
  side.accessToken = first.access_token;
  side.redeem = redeem;
  side.dpop = await dpopProver(meta.token_endpoint);
  return side;
}

const operations = {
  floor: (side) => fetch(`${side.base}/__bench/floor`).then((r) => expectOk(r, "floor")),
  "floor-post": (side) =>
    form(`${side.base}/__bench/floor`, { grant_type: "client_credentials", scope: "weather" }, SERVICE).then((r) =>
      expectOk(r, "floor-post"),
    ),
  discovery: (side) => fetch(`${side.base}/.well-known/openid-configuration`).then((r) => expectOk(r, "discovery")),
  jwks: (side) => fetch(side.meta.jwks_uri).then((r) => expectOk(r, "jwks")),
  "cc-es256": (side) => tokenJson(side, { grant_type: "client_credentials", scope: "weather" }, SERVICE),
  "cc-rs256": (side) =>
    tokenJson(side, { grant_type: "client_credentials", scope: "weather", resource: RS256_API }, SERVICE),
  "cc-dpop": async (side) => {
    const body = await side.dpop.tokenRequest({ grant_type: "client_credentials", scope: "weather" }, SERVICE);
    if (body.token_type !== "DPoP") throw new Error(`cc-dpop: token_type ${body.token_type}`);
  },
  code: (side) => side.redeem(),
  refresh: async (side, _i, lane) => {
    const tokens = await tokenJson(side, { grant_type: "refresh_token", refresh_token: side.chains[lane] }, DEMO);
    side.chains[lane] = tokens.refresh_token;
    side.collected.push(tokens.access_token);
  },
  userinfo: (side) =>
    fetch(side.meta.userinfo_endpoint, { headers: { authorization: `Bearer ${side.accessToken}` } }).then((r) =>
      expectOk(r, "userinfo"),
    ),
  introspect: async (side) => {
    const body = JSON.parse(
      await expectOk(await form(side.meta.introspection_endpoint, { token: side.accessToken }, DEMO), "introspect"),
    );
    if (body.active !== true) throw new Error("introspection: not active");
  },
  revoke: (side, i) =>
    form(side.meta.revocation_endpoint, { token: side.collected[i] }, DEMO).then((r) => expectOk(r, "revoke")),
};

async function counters(side) {
  return JSON.parse(await expectOk(await fetch(`${side.base}/__bench/counters`), "counters"));
}

/** What the bench Worker counts (scripts/bench/provider-worker.ts, storage-meter.ts), per operation. */
const COUNTED = ["kv", "do", "objectCalls", "alarmsSet", "alarmRuns", "objectsCreated", "rowsWritten"];

/** One block of a flow on one side: `maxMs` of operations (at most `count`), CPU and (ours) counts per operation. */
async function measure(side, flow, { maxMs = BLOCK_MS, count } = {}) {
  const before = side.name === "ours" ? await counters(side) : undefined;
  const result = await runBlock({
    pids: side.pids,
    count,
    concurrency: CONCURRENCY,
    maxMs,
    operation: (i, lane) => operations[flow.name](side, i, lane),
  });
  if (before) {
    // A new grant announces itself from its alarm, just after its redemption's answer: let the last ones run.
    await new Promise((r) => setTimeout(r, 300));
    const after = await counters(side);
    result.counts = Object.fromEntries(
      COUNTED.map((name) => [name, (after[name] - before[name]) / Math.max(1, result.operations)]),
    );
  }
  return result;
}

/** What a flow needs before a block (not measured): a fresh session, refresh chains, a live token, tokens to revoke. */
async function setUp(side, flow) {
  if (["code", "refresh", "revoke"].includes(flow.name)) await side.login();
  if (flow.name === "refresh" || flow.name === "revoke") {
    side.chains = [];
    for (let lane = 0; lane < CONCURRENCY; lane++) side.chains.push((await side.redeem()).refresh_token);
  }
  // A token of a live grant (oidc-provider ends a grant's tokens when a new login replaces the grant).
  if (flow.name === "userinfo" || flow.name === "introspect") side.accessToken = (await side.redeem()).access_token;
  if (flow.name === "revoke") {
    side.collected = [];
    await runBlock({
      pids: side.pids,
      count: REVOKE_TOKENS,
      concurrency: CONCURRENCY,
      maxMs: 120_000,
      operation: (i, lane) => operations.refresh(side, i, lane),
    });
  }
}

/**
 * A flow's real handler in a loop inside the isolate, ISOLATE_RUNS times: the median µs per operation, the spread,
 * and the KV and Durable Object calls per operation. Flows that touch no object loop 10x longer (they are fast).
 */
async function inIsolate(ours, flow, cookie) {
  const n = flow.stateful === false ? LOOP_N * 10 : LOOP_N;
  const runs = [];
  for (let run = 0; run < ISOLATE_RUNS; run++) {
    const input = {
      flow: flow.name,
      n,
      issuer: ours.base,
      cookie,
      refreshToken: (await ours.redeem()).refresh_token,
      accessToken: ours.accessToken,
    };
    const res = await fetch(`${ours.base}/__bench/loop`, { method: "POST", body: JSON.stringify(input) });
    const body = JSON.parse(await res.text());
    if (res.status !== 200) throw new Error(`in-isolate ${flow.name}: ${body.error}`);
    runs.push({ micros: (body.ms / n) * 1000, kv: body.kv / n, do: body.do / n });
  }
  const micros = runs.map((r) => r.micros);
  return {
    microsPerOp: median(micros),
    min: Math.min(...micros),
    max: Math.max(...micros),
    runs: runs.length,
    n,
    kvPerOp: median(runs.map((r) => r.kv)),
    doPerOp: median(runs.map((r) => r.do)),
  };
}

/**
 * Each sign-in flow ROUNDS times in the isolate, alternated A B / B A; per flow the rounds' figures. Each round's
 * inputs (and its warm-up sign-in) are made by /__bench/prepare first, so the workerd process's CPU read around the
 * loop (from /proc) is the N timed sign-ins' alone.
 */
async function signInRounds(issuer, pid) {
  const rounds = Object.fromEntries(SIGN_IN.map((flow) => [flow.name, []]));
  const post = async (path, flow) => {
    const res = await fetch(`${issuer}${path}`, {
      method: "POST",
      body: JSON.stringify({ flow: flow.name, n: LOOP_N, issuer }),
    });
    const body = JSON.parse(await res.text());
    if (res.status !== 200) throw new Error(`${path} ${flow.name}: ${body.error}`);
    return body;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const flow of round % 2 === 0 ? SIGN_IN : [...SIGN_IN].reverse()) {
      const { firstMs } = await post("/__bench/prepare", flow);
      const cpuBefore = cpuMs(pid);
      const body = await post("/__bench/loop", flow);
      const processCpu = cpuMs(pid) - cpuBefore;
      rounds[flow.name].push({
        firstMs,
        microsPerOp: (body.ms / LOOP_N) * 1000,
        processCpuMicrosPerOp: (processCpu / LOOP_N) * 1000,
        kvPerOp: body.kv / LOOP_N,
        doPerOp: body.do / LOOP_N,
      });
    }
  }
  const verification = JSON.parse(
    await expectOk(await fetch(`${issuer}/__bench/passkey-verify?n=${LOOP_N}`), "passkey verification"),
  );
  const flows = SIGN_IN.map((flow) => {
    const micros = rounds[flow.name].map((r) => r.microsPerOp);
    const processCpu = rounds[flow.name].map((r) => r.processCpuMicrosPerOp);
    return {
      name: flow.name,
      label: flow.label,
      microsPerOp: median(micros),
      min: Math.min(...micros),
      max: Math.max(...micros),
      // Round 1's warm-up: the first sign-in of its kind in this isolate (the passkey's first assertion verified).
      firstMs: rounds[flow.name][0]?.firstMs,
      processCpuMicrosPerOp: median(processCpu),
      processCpuMin: Math.min(...processCpu),
      processCpuMax: Math.max(...processCpu),
      rounds: rounds[flow.name],
      kvPerOp: median(rounds[flow.name].map((r) => r.kvPerOp)),
      doPerOp: median(rounds[flow.name].map((r) => r.doPerOp)),
    };
  });
  return { flows, verificationMicros: verification.micros };
}

/** The sign-in table, its target, and its JSON. */
function signInReport(signIn) {
  const lines = [
    `sign-in, ours only (oidc-provider has no passkey sign-in, so no peer column): one POST /login, in the isolate, ${LOOP_N} per round, ${ROUNDS} rounds`,
    "flow                      | in-isolate µs/op: median (min-max) | workerd CPU µs/op: median (min-max) | KV DO /op | $/M ops",
  ];
  for (const flow of signIn.flows) {
    const cost = costPerMillion(flow.microsPerOp / 1000, { kv: flow.kvPerOp, do: flow.doPerOp });
    flow.costPerMillion = cost;
    const spread = `${flow.microsPerOp.toFixed(0)} (${flow.min.toFixed(0)}-${flow.max.toFixed(0)})`;
    const cpuSpread = `${flow.processCpuMicrosPerOp.toFixed(0)} (${flow.processCpuMin.toFixed(0)}-${flow.processCpuMax.toFixed(0)})`;
    lines.push(
      `${flow.label.padEnd(25)} | ${pad(spread, 34)} | ${pad(cpuSpread, 35)} | ${pad(flow.kvPerOp.toFixed(3), 5)} ${pad(flow.doPerOp.toFixed(3), 5)} | ${cost.toFixed(3)}`,
    );
  }
  lines.push(
    "in-isolate: the timed loop by the isolate's clock (sequential requests; the Account object's work and its SQLite writes run on the same thread here, and other processes' load shows in it); workerd CPU: the process's user + system CPU (/proc) during that loop, per sign-in",
  );
  lines.push(
    `the first of each in this isolate (round 1's warm-up, not in the figures above): ${signIn.flows.map((f) => `${f.label.replace("sign-in: ", "")} ${f.firstMs.toFixed(1)} ms`).join(", ")}`,
  );
  lines.push(
    `for scale, inside workerd: the assertion's verification alone (@simplewebauthn/server, ES256): ${signIn.verificationMicros.toFixed(0)} µs`,
  );
  const [password, passkey] = signIn.flows;
  const target = {
    name: `passkey sign-in <= ${PASSKEY_TARGET_MS} ms in the isolate (password beside it)`,
    met: passkey.microsPerOp <= PASSKEY_TARGET_MS * 1000,
    detail: `passkey ${(passkey.microsPerOp / 1000).toFixed(2)} ms, password ${(password.microsPerOp / 1000).toFixed(2)} ms (${(password.microsPerOp / passkey.microsPerOp).toFixed(1)}x)`,
  };
  return { lines, target, json: signIn };
}

const range = (side) => (side?.cpuMsRange ? side.cpuMsRange.map((x) => x.toFixed(3)).join("-") : "-");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.max(...xs);

function summarize(blocks) {
  return {
    perSecond: best(blocks.map((b) => b.perSecond)),
    p50: median(blocks.map((b) => b.p50)),
    p99: median(blocks.map((b) => b.p99)),
    errors: blocks.reduce((n, b) => n + b.errors, 0),
    firstError: blocks.find((b) => b.firstError)?.firstError,
    cpuMsPerOp: median(blocks.map((b) => b.cpuMsPerOp)),
    /** The spread over rounds: the lowest and highest block. */
    cpuMsRange: [Math.min(...blocks.map((b) => b.cpuMsPerOp)), Math.max(...blocks.map((b) => b.cpuMsPerOp))],
    counts: blocks[0]?.counts
      ? Object.fromEntries(COUNTED.map((name) => [name, median(blocks.map((b) => b.counts[name]))]))
      : undefined,
  };
}

const pad = (value, width) => String(value).padStart(width);
const TRIP_SLACK = 0.01;

const loadLine = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** BENCH_ONLY=sign-in: the sign-in measurements alone, with the host's storage costs for scale. */
async function signInOnly(issuer, pid) {
  const loadAtStart = loadavg();
  const report = signInReport(await signInRounds(issuer, pid));
  const storage = JSON.parse(await expectOk(await fetch(`${issuer}/__bench/storage?n=100`), "storage costs"));
  const storageLine = Object.entries(storage)
    .map(([op, us]) => `${op} ${us.toFixed(0)} µs`)
    .join(", ");
  console.log(
    [
      ...report.lines,
      `Durable Object storage in this host (local workerd, SQLite on disk), per operation: ${storageLine}`,
      `load average at the end: ${loadLine()}`,
      "",
      "targets:",
      `  [${report.target.met ? "met" : "MISSED"}] ${report.target.name}: ${report.target.detail}`,
    ].join("\n"),
  );
  await mkdir(join(root, "bench/results"), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, model: cpus()[0]?.model, node: process.version },
    load: { start: loadAtStart, end: loadavg() },
    settings: { rounds: ROUNDS, loopN: LOOP_N },
    signIn: report.json,
    storage,
    target: report.target,
  };
  await writeFile(join(root, "bench/results/sign-in.json"), `${JSON.stringify(json, null, 2)}\n`);
  console.log("\nwritten: bench/results/sign-in.json");
}

/** Our provider, fresh: the bundle under Miniflare, signed in, its first code redeemed. */
async function launchOurs(script) {
  const started = await startOurs(script, await freePort());
  const session = { cookie: "" };
  const login = async () => (session.cookie = (await ourSession(started.issuer, SCOPE)).cookie);
  const silent = async () => {
    const res = await fetch(ourAuthorizeUrl(started.issuer, SCOPE), {
      redirect: "manual",
      headers: { cookie: session.cookie },
    });
    const code = new URL(res.headers.get("location") ?? "", started.issuer).searchParams.get("code");
    if (!code) throw new Error(`ours: silent authorize gave no code (${res.status})`);
    return code;
  };
  const side = await prepareSide("ours", started.issuer, [started.pid], silent, login);
  return Object.assign(side, { session, stop: started.stop });
}

/** A peer, fresh: a new oidc-provider process (on an emptied Redis when given), signed in, a first code redeemed. */
async function launchPeer(name, redis) {
  await redis?.flush();
  const peer = await startPeer(redis);
  const session = { cookie: "" };
  const login = async () => (session.cookie = (await peerSession(peer.base)).cookie);
  const silent = async () => (await peerSilentCode(peer.base, session.cookie)).code;
  try {
    const side = await prepareSide(name, peer.base, peer.pids, silent, login);
    return Object.assign(side, { stop: peer.stop });
  } catch (err) {
    await peer.stop();
    throw err;
  }
}

/**
 * One flow on every side. Each side is started afresh for the flow (no heap, store or JIT state from other flows),
 * warmed up with a block of the flow itself, then measured ROUNDS times, alternated A B C / C B A.
 */
async function measureFlow(flow, launchers) {
  const sides = [];
  try {
    for (const launcher of launchers) sides.push(await launcher());
    for (const side of sides) {
      await setUp(side, flow);
      await measure(side, flow, {
        maxMs: WARMUP_MS,
        count: flow.name === "revoke" ? side.collected.length : undefined,
      });
    }
    const blocks = Object.fromEntries(sides.map((side) => [side.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        await setUp(side, flow);
        // A revocation block revokes each token issued by the refreshes just before it, once.
        const bounds = flow.name === "revoke" ? { count: side.collected.length, maxMs: 60_000 } : {};
        const block = await measure(side, flow, bounds);
        if (block.errors > 0)
          console.error(`  ${side.name} ${flow.name}: ${block.errors} errors (${block.firstError})`);
        blocks[side.name].push(block);
      }
    }
    const result = Object.fromEntries(sides.map((side) => [side.name, summarize(blocks[side.name])]));
    for (const side of sides) result[side.name].rssMiB = rssOf(side.pids);
    result.isolate =
      flow.floors.length === 0
        ? {}
        : await inIsolate(sides[0], flow, sides[0].session.cookie).catch((err) => ({ error: err.message }));
    if (result.isolate.error) console.error(`  in-isolate ${flow.name}: ${result.isolate.error}`);
    return result;
  } finally {
    for (const side of sides) await side.stop();
  }
}

const rssOf = (pids) => pids.reduce((sum, pid) => sum + rssMiB(pid), 0);

async function main() {
  const work = await mkdtemp(join(tmpdir(), "edge-oidc-bench-"));
  let tail;
  let redis;
  try {
    console.log(
      `edge-oidc benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}`,
    );
    console.log(
      ONLY === "sign-in"
        ? `sign-in only (BENCH_ONLY): ${ROUNDS} rounds alternated; in-isolate loops of ${LOOP_N}; load average ${loadLine()}\n`
        : `per flow and side: a fresh process, a ${WARMUP_MS / 1000} s warm-up block, then ${ROUNDS} blocks of ${BLOCK_MS / 1000} s alternated; ${CONCURRENCY} in flight; in-isolate loops of ${LOOP_N}; load average ${loadLine()}\n`,
    );
    const script = await bundle(root, join(root, "scripts/bench/provider-worker.ts"), join(work, "bench-bundle"), work);
    if (ONLY === "sign-in") {
      tail = await startOurs(script, await freePort());
      return await signInOnly(tail.issuer, tail.pid);
    }
    if (await redisAvailable()) redis = await startRedis(await freePort());
    else
      console.log("redis-server not found: the Redis-backed peer is skipped (Debian: apt-get install redis-server)\n");
    const launchers = [
      () => launchOurs(script),
      () => launchPeer(PEERS[0]),
      ...(redis ? [() => launchPeer(PEERS[1], redis)] : []),
    ];

    const results = {};
    for (const flow of FLOWS) {
      results[flow.name] = await measureFlow(flow, launchers);
      process.stdout.write(`  measured ${flow.name}\n`);
    }
    // Ours alone from here: the sign-ins, raw signatures, a bare Hono app and the host's storage costs.
    tail = await launchOurs(script);
    const signIn = await signInRounds(tail.base, tail.pids[0]);
    process.stdout.write("  measured sign-in\n");
    const signatures = JSON.parse(
      await expectOk(await fetch(`${tail.base}/__bench/sign?n=${LOOP_N * 10}`), "signatures"),
    );
    const bareHono = await inIsolate(tail, { name: "bare-hono", stateful: false }, "");
    const ccParts = {
      front: await inIsolate(tail, { name: "cc-front", stateful: false }, ""),
      handler: await inIsolate(tail, { name: "cc-handler", stateful: false }, ""),
    };
    const storage = JSON.parse(await expectOk(await fetch(`${tail.base}/__bench/storage?n=100`), "storage costs"));

    console.log("");
    const verifier = await verifierBench();
    const bundleSize = await productionBundleSize(root, join(work, "deploy"));
    const report = buildReport({
      results,
      peers: redis ? PEERS : PEERS.slice(0, 1),
      signatures,
      bareHono,
      ccParts,
      storage,
      verifier,
      bundleSize,
      signIn,
    });
    console.log(`\n${report.text}`);
    await mkdir(join(root, "bench/results"), { recursive: true });
    if (SMOKE) {
      await writeFile(join(root, "bench/results/smoke.json"), `${JSON.stringify(report.json, null, 2)}\n`);
      console.log("\nwritten: bench/results/smoke.json (smoke run: its timings mean nothing)");
      const missed = report.json.targets.filter((t) => t.counted && !t.met);
      const errors = Object.values(results).reduce(
        (sum, r) => sum + Object.values(r).reduce((n, side) => n + (side.errors ?? 0), 0),
        0,
      );
      if (missed.length > 0 || errors > 0) {
        console.error(
          `smoke run failed: ${errors} errors, counted targets missed: ${missed.map((t) => t.name).join("; ")}`,
        );
        process.exitCode = 1;
      }
    } else {
      await writeFile(join(root, "bench/results/latest.json"), `${JSON.stringify(report.json, null, 2)}\n`);
      await writeFile(join(root, "bench/results/latest.svg"), renderSvg(report.json));
      console.log("\nwritten: bench/results/latest.json, bench/results/latest.svg");
    }
    if (verifier.fetchesWhileMeasuring !== 0) process.exitCode = 1;
  } finally {
    await tail?.stop();
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The objects' busy time per operation, in ms: estimated from the counts and what this host charged per call, per
 * row written and per new object (BenchProbe, same run), since the isolate's clock stands still between I/O events.
 */
function busyMs(counts, storage) {
  const c = { do: 0, objectCalls: 0, alarmRuns: 0, rowsWritten: 0, objectsCreated: 0, ...counts };
  const calls = c.do + c.objectCalls + c.alarmRuns;
  return (calls * storage.call + c.rowsWritten * storage.write + c.objectsCreated * storage.newObject) / 1000;
}

/** What a million operations of a flow cost on Workers, from its CPU and its counts per operation (ours). */
function costPerMillion(cpuMs, counts, objectBusyMs = 0) {
  const c = { kv: 0, do: 0, objectCalls: 0, alarmRuns: 0, rowsWritten: 0, ...counts };
  return (
    PRICES.request +
    cpuMs * PRICES.cpuMs +
    (c.do + c.objectCalls + c.alarmRuns) * PRICES.doRequest +
    c.kv * PRICES.kvRead +
    c.rowsWritten * PRICES.rowWritten +
    (objectBusyMs / 1000) * OBJECT_GB * PRICES.doGbSecond
  );
}

const fixed = (x, digits) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));

function buildReport({ results, peers, signatures, bareHono, ccParts, storage, verifier, bundleSize, signIn }) {
  const sides = ["ours", ...peers];
  const floorOf = (name) => Object.fromEntries(sides.map((side) => [side, results[name][side].cpuMsPerOp]));
  const floors = { floor: floorOf("floor"), "floor-post": floorOf("floor-post") };
  const net = (flow, side) =>
    results[flow.name][side].cpuMsPerOp - flow.floors.reduce((sum, name) => sum + floors[name][side], 0);
  const lines = [];
  const targets = [];
  /** counted: a count (round trips, rows written), which holds on any machine; the others are timings. */
  const target = (name, met, detail, counted = false) => targets.push({ name, met, detail, counted });
  const head = (label) =>
    sides.map((side) => (side === "ours" ? label : side === PEERS[0] ? "peer" : "redis")).join(" ");
  lines.push(
    `peers: ${peers.join(", ")} ("peer": in memory; "redis": on Redis, its CPU the Node process's and redis-server's)`,
    `flow                      | req/s ${head("ours")} | p50 ms ${head("ours")} | CPU ms/op ${head("ours")} | minus floor, ours ÷ peer (target) | ÷ redis | in-isolate µs`,
  );
  const flows = [];
  for (const flow of FLOWS) {
    const r = results[flow.name];
    const ratios = Object.fromEntries(peers.map((peer) => [peer, net(flow, "ours") / net(flow, peer)]));
    const { limit } = flow;
    const isolate = r.isolate.microsPerOp;
    const counts = r.ours.counts ?? {};
    const cpuForCost = isolate !== undefined ? isolate / 1000 : Math.max(net(flow, "ours"), 0);
    const objectBusyMs = busyMs(counts, storage);
    const cost = costPerMillion(cpuForCost, counts, objectBusyMs);
    const isFloor = flow.floors.length === 0;
    flows.push({
      name: flow.name,
      floors: flow.floors,
      sides: Object.fromEntries(sides.map((side) => [side, r[side]])),
      isolate: r.isolate,
      ratios: isFloor ? undefined : ratios,
      ratioTarget: limit,
      counts,
      objectBusyMs,
      costPerMillion: cost,
    });
    const cells = (f) => sides.map((side) => f(r[side])).join(" ");
    const main = isFloor ? "(the floor)" : `${fixed(ratios[PEERS[0]], 2)}x (<= ${limit}x)`;
    const redis = isFloor || ratios[PEERS[1]] === undefined ? "-" : `${fixed(ratios[PEERS[1]], 2)}x`;
    lines.push(
      `${(flow.label ?? flow.name).padEnd(25)} | ${cells((x) => pad(x.perSecond.toFixed(0), 5))} | ${cells((x) => pad(x.p50.toFixed(2), 5))} | ${cells((x) => pad(x.cpuMsPerOp.toFixed(3), 5))} | ${pad(main, 33)} | ${pad(redis, 7)} | ${pad(isolate === undefined ? "-" : isolate.toFixed(0), 13)}`,
    );
    for (const side of sides)
      if (r[side].errors > 0) lines.push(`  errors: ${side} ${r[side].errors} (${r[side].firstError ?? ""})`);
    if (isFloor) continue;
    target(
      `${flow.name}: CPU minus floor <= ${limit}x oidc-provider`,
      ratios[PEERS[0]] <= limit,
      `${fixed(ratios[PEERS[0]], 2)}x`,
    );
    if (flow.stateful && ratios[PEERS[1]] !== undefined)
      target(
        `${flow.name}: at or under oidc-provider on Redis`,
        ratios[PEERS[1]] <= 1,
        `${fixed(ratios[PEERS[1]], 2)}x`,
      );
    // Over HTTP, isolate caches (client records, the key set: <= 60 s) are refilled now and then, so a warm
    // flow's KV reads per operation are a small fraction rather than exactly 0: TRIP_SLACK allows for that.
    const kv = counts.kv ?? 0;
    const dos = counts.do ?? 0;
    const trips = `KV ${kv.toFixed(3)}, DO ${dos.toFixed(3)}`;
    if (flow.trips.total !== undefined)
      target(
        `${flow.name}: <= ${flow.trips.total} round trips`,
        kv + dos <= flow.trips.total + TRIP_SLACK,
        trips,
        true,
      );
    else if (!["discovery", "jwks"].includes(flow.name)) {
      target(
        `${flow.name}: KV ${flow.trips.kv}, DO ${flow.trips.do} round trips`,
        Math.abs(kv - flow.trips.kv) <= TRIP_SLACK && Math.abs(dos - flow.trips.do) <= TRIP_SLACK,
        trips,
        true,
      );
    }
    if (flow.rows !== undefined)
      target(
        `${flow.name}: <= ${flow.rows} rows written`,
        (counts.rowsWritten ?? 0) <= flow.rows + TRIP_SLACK,
        fixed(counts.rowsWritten ?? 0, 2),
        true,
      );
  }
  lines.push(
    `spread over ${ROUNDS} rounds, CPU ms/op (lowest-highest block): ${Object.entries(results)
      .map(([name, r]) => `${name} ${sides.map((side) => `${side} ${range(r[side])}`).join(" ")}`)
      .join("; ")}`,
  );
  lines.push(
    `floors (trivial requests answered by the runtime before the provider, CPU ms): GET ${sides.map((side) => `${side} ${floors.floor[side].toFixed(3)}`).join(", ")}; form POST, its body read, ${sides.map((side) => `${side} ${floors["floor-post"][side].toFixed(3)}`).join(", ")} (workerd under Miniflare; Node http)`,
  );
  lines.push(
    `server memory at the end of each flow's blocks (RSS MiB, highest): ${sides.map((side) => `${side} ${Math.max(...Object.values(results).map((r) => r[side].rssMiB)).toFixed(0)}`).join(", ")}`,
  );
  lines.push(
    "",
    "ours, Durable Object work per operation (counted by the bench Worker) and what a million operations cost on Workers",
    "flow                      |    KV Worker->DO DO->DO | alarms set  runs | new objects | rows written | DO busy ms* | $/M ops",
  );
  for (const f of flows) {
    if (f.floors.length === 0) continue;
    const c = {
      kv: 0,
      do: 0,
      objectCalls: 0,
      alarmsSet: 0,
      alarmRuns: 0,
      objectsCreated: 0,
      rowsWritten: 0,
      objectBusyMs: 0,
      ...f.counts,
    };
    const label = FLOWS.find((x) => x.name === f.name)?.label ?? f.name;
    lines.push(
      `${label.padEnd(25)} | ${pad(c.kv.toFixed(2), 5)} ${pad(c.do.toFixed(2), 10)} ${pad(c.objectCalls.toFixed(2), 6)} | ${pad(c.alarmsSet.toFixed(2), 10)} ${pad(c.alarmRuns.toFixed(2), 5)} | ${pad(c.objectsCreated.toFixed(2), 11)} | ${pad(c.rowsWritten.toFixed(2), 12)} | ${pad(f.objectBusyMs.toFixed(2), 10)} | ${f.costPerMillion.toFixed(3)}`,
    );
  }
  const signLine = Object.entries(signatures)
    .map(([alg, ms]) => `${alg} ${(ms * 1000).toFixed(0)} µs (${(1000 / ms).toFixed(0)}/s)`)
    .join(", ");
  lines.push("", `raw JWT signatures inside workerd: ${signLine}`);
  lines.push(
    `for scale, inside workerd: a bare Hono app reading a form POST and answering a token-sized JSON, built and read in the same loop: ${bareHono.microsPerOp.toFixed(0)} µs`,
  );
  const cc = results["cc-es256"];
  lines.push(
    `client_credentials ES256 in the isolate, ${fixed(cc.isolate.microsPerOp, 0)} µs, in parts: the token route's front (its middleware, the form, the client's authentication, a constant answer) ${fixed(ccParts.front.microsPerOp, 0)} µs; the grant's handler alone (scope, lifetime, the signature) ${fixed(ccParts.handler.microsPerOp, 0)} µs`,
  );
  const storageLine = Object.entries(storage)
    .map(([op, us]) => `${op} ${us.toFixed(0)} µs`)
    .join(", ");
  lines.push(`Durable Object storage in this host (local workerd, SQLite on disk), per operation: ${storageLine}`);
  const ccIsolate = cc.isolate.microsPerOp ?? Number.NaN;
  const es256 = (signatures.ES256 ?? Number.NaN) * 1000;
  target(
    "client_credentials ES256 in the isolate <= 2x the raw ES256 signature",
    ccIsolate <= 2 * es256,
    `${ccIsolate.toFixed(0)} µs (${fixed(cc.isolate.min, 0)}-${fixed(cc.isolate.max, 0)} over ${cc.isolate.runs} runs) vs ${es256.toFixed(0)} µs (${(ccIsolate / es256).toFixed(1)}x)`,
  );
  target(
    "client_credentials: 0 KV / DO round trips in the isolate loop",
    cc.isolate.kvPerOp === 0 && cc.isolate.doPerOp === 0,
    `KV ${cc.isolate.kvPerOp}, DO ${cc.isolate.doPerOp}`,
    true,
  );
  const ccCost = flows.find((f) => f.name === "cc-es256").costPerMillion;
  target(
    "client_credentials cost per million <= 1.2x the request price",
    ccCost <= 1.2 * PRICES.request,
    `$${ccCost.toFixed(3)} vs $${PRICES.request.toFixed(2)}`,
  );
  target(
    "deployable bundle < 150 KiB gzip",
    bundleSize.gzip < 150 * 1024,
    `${(bundleSize.gzip / 1024).toFixed(1)} KiB gzip (${(bundleSize.raw / 1024).toFixed(0)} KiB raw)`,
  );
  target(
    "API verifier >= 90% of a hand-written jose middleware",
    verifier.middlewareVsHandRolled >= 0.9,
    `${(verifier.middlewareVsHandRolled * 100).toFixed(1)}%`,
  );
  const signInPart = signInReport(signIn);
  lines.push("", ...signInPart.lines);
  targets.push(signInPart.target);
  lines.push("");
  lines.push("targets:");
  for (const t of targets) lines.push(`  [${t.met ? "met" : "MISSED"}] ${t.name}: ${t.detail}`);
  lines.push(
    `$/M ops: Workers requests $${PRICES.request}/M + CPU $${PRICES.cpuMs}/M ms (in-isolate time) + Durable Object requests (the Worker's, objects' to each other, alarm runs) $${PRICES.doRequest}/M + KV reads $${PRICES.kvRead}/M + rows written $${PRICES.rowWritten}/M + DO duration $${PRICES.doGbSecond}/M GB-s at ${OBJECT_GB * 1000} MB. *DO busy ms: estimated from the counts and this host's cost per call, row written and new object (the storage line above).`,
  );
  return {
    text: lines.join("\n"),
    json: {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, model: cpus()[0]?.model, node: process.version },
      settings: {
        blockSeconds: BLOCK_MS / 1000,
        warmupSeconds: WARMUP_MS / 1000,
        rounds: ROUNDS,
        concurrency: CONCURRENCY,
        loopN: LOOP_N,
        revokeTokens: REVOKE_TOKENS,
      },
      peers,
      floors,
      flows,
      signatures,
      bareHonoMicros: bareHono.microsPerOp,
      ccParts: { frontMicros: ccParts.front.microsPerOp, handlerMicros: ccParts.handler.microsPerOp },
      storage,
      signIn: signInPart.json,
      verifier,
      bundle: bundleSize,
      prices: PRICES,
      targets,
    },
  };
}

await main();
