// The API-side part of `npm run bench`: access-token verifications per second through requireAccessToken (warm cache) against
// jose.jwtVerify with a local key, inside workerd (scripts/bench/verifier-worker.ts times the blocks itself). Two
// comparisons, each against raw jose:
//   - per request through a Hono route: requireAccessToken vs a hand-written middleware calling jwtVerify;
//   - verification alone: verifyAccessToken vs jwtVerify, no HTTP handling at all.
// The ratio is the median over rounds of each round's ratio (neighbouring blocks share the machine's mood);
// the rates are the best block of each. Target: >= 90% of raw, with zero requests to the issuer while
// measuring. Not a test: it reports, and the driver exits non-zero only if the warm verifier made a request.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const N = Number(process.env.BENCH_VERIFY_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_VERIFY_ROUNDS ?? 9);
const TARGET = 0.9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the verifier benchmark, prints its lines, and returns its figures. */
export async function verifierBench() {
  // Its own throw-away configuration: without one, wrangler would pick up the provider's wrangler.toml.
  const configDir = await mkdtemp(join(tmpdir(), "edge-oidc-bench-"));
  const config = join(configDir, "wrangler.json");
  await writeFile(
    config,
    JSON.stringify({
      name: "edge-oidc-bench-verifier",
      main: join(root, "scripts", "bench", "verifier-worker.ts"),
      compatibility_date: "2026-04-20",
    }),
  );
  const worker = await unstable_startWorker({
    config,
    dev: {
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: "warn",
    },
  });
  try {
    await worker.ready;
    const res = await worker.fetch(`http://bench/?n=${N}&rounds=${ROUNDS}`);
    const result = await res.json();
    if (res.status !== 200) throw new Error(JSON.stringify(result));
    const { ms, fetchesWhileMeasuring } = result;

    const micros = (mode) => (Math.min(...ms[mode]) / N) * 1000;
    const ratio = (mine, raw) => median(ms[raw].map((rawMs, round) => rawMs / ms[mine][round]));
    const line = (label, mode) =>
      `    ${label.padEnd(52)} ${micros(mode).toFixed(1).padStart(6)} µs ${(1e6 / micros(mode)).toFixed(0).padStart(7)} /s`;
    const verdict = (r) =>
      `${(r * 100).toFixed(1)}% of raw (target >= ${TARGET * 100}%: ${r >= TARGET ? "met" : "NOT met"})`;

    console.log(`access-token verification at the API, RS256, inside workerd: ${ROUNDS} rounds of ${N} per mode`);
    console.log("  per request through a Hono route:");
    console.log(line("jose.jwtVerify, local key (hand-written middleware)", "hand-rolled"));
    console.log(line("requireAccessToken (warm cache)", "middleware"));
    console.log(`    => ${verdict(ratio("middleware", "hand-rolled"))}`);
    console.log("  verification alone, no HTTP handling:");
    console.log(line("jose.jwtVerify, local key", "raw"));
    console.log(line("verifyAccessToken (warm cache)", "verify"));
    console.log(`    => ${verdict(ratio("verify", "raw"))}`);
    console.log(`  for scale: Hono's own handling of a route without any auth: ${micros("hono").toFixed(1)} µs;`);
    console.log(
      `  the protected route against bare jwtVerify calls: ${(ratio("middleware", "raw") * 100).toFixed(1)}%`,
    );
    console.log(`  requests to the issuer while measuring: ${fetchesWhileMeasuring}`);
    return {
      micros: Object.fromEntries(Object.keys(ms).map((mode) => [mode, micros(mode)])),
      middlewareVsHandRolled: ratio("middleware", "hand-rolled"),
      verifyVsRaw: ratio("verify", "raw"),
      fetchesWhileMeasuring,
    };
  } finally {
    await worker.dispose();
    await rm(configDir, { recursive: true, force: true });
  }
}
