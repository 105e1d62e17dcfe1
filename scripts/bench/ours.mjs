// Serves the provider for `npm run bench` through Miniflare's API: the leanest local workerd host (no dev proxy
// in front of workerd, unlike `wrangler dev`, whose proxy costs ~1 ms of CPU per request). The Worker is
// bundled by `wrangler deploy --dry-run` (the same bundler as a deploy) from scripts/bench/provider-worker.ts,
// with the demo data seeded into in-memory KV and Durable Objects, like `npm start`.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { createServer } from "node:net";
import { Miniflare } from "miniflare";

const run = promisify(execFile);

const KV = ["CLIENTS", "KEYS", "USERS"];
const DURABLE_OBJECTS = {
  GRANT: "Grant",
  KEY_MANAGER: "KeyManager",
  LIMITER: "Limiter",
  ASSERTION_REPLAY: "AssertionReplay",
  PUSHED_REQUEST: "PushedRequest",
  ACCOUNT: "Account",
  CLIENT_STATE: "ClientState",
  // Only in the bench Worker: measures what the host charges for Durable Object storage.
  BENCH_PROBE: "BenchProbe",
};
const COMPATIBILITY_DATE = "2026-04-20";

/** Bundles `main` with wrangler (as a deploy would) into `outDir`; returns the bundle's path. */
export async function bundle(root, main, outDir, configDir) {
  const config = join(configDir, "wrangler.json");
  await writeFile(
    config,
    JSON.stringify({
      name: "edge-oidc-bench",
      main,
      compatibility_date: COMPATIBILITY_DATE,
      kv_namespaces: KV.map((binding) => ({ binding, id: binding.toLowerCase() })),
      durable_objects: {
        bindings: Object.entries(DURABLE_OBJECTS).map(([name, class_name]) => ({ name, class_name })),
      },
      migrations: [{ tag: "v1", new_sqlite_classes: Object.values(DURABLE_OBJECTS) }],
    }),
  );
  await run(
    process.execPath,
    [
      join(root, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      outDir,
      "--config",
      config,
    ],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    },
  );
  // wrangler names the bundle after the entry file.
  return join(outDir, `${basename(main, extname(main))}.js`);
}

/** The production bundle's size, as `wrangler deploy --dry-run --outdir` writes it (gzip, as Cloudflare counts). */
export async function productionBundleSize(root, outDir) {
  await run(
    process.execPath,
    [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outDir],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    },
  );
  let raw = 0;
  let gzip = 0;
  for (const name of await readdir(outDir)) {
    if (!name.endsWith(".js")) continue;
    const bytes = await readFile(join(outDir, name));
    raw += (await stat(join(outDir, name))).size;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip };
}

/** A free loopback port. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the bundle under Miniflare on a fixed loopback port; returns its URL, the workerd pid and a stop function. */
export async function startOurs(scriptPath, port) {
  const issuer = `http://127.0.0.1:${port}`;
  const before = workerdPids();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: KV,
    durableObjects: Object.fromEntries(
      Object.entries(DURABLE_OBJECTS).map(([binding, className]) => [binding, { className, useSQLite: true }]),
    ),
    bindings: {
      ISSUER: issuer,
      DEMO_SEED: "true",
      KEY_ENCRYPTION_SECRET: "bench-only-key-encryption-secret",
      SESSION_SECRET: "bench-only-session-secret",
      ADMIN_TOKEN: "bench-admin-token",
    },
    host: "127.0.0.1",
    port,
    // The Worker's own log (audit lines, one per security event) would drown the report: read and dropped.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  const pids = workerdPids().filter((pid) => !before.includes(pid));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  return { issuer, pid: pids[0], stop: () => mf.dispose() };
}

/** workerd processes started by this Node process. */
function workerdPids() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}
