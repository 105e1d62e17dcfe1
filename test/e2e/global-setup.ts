// End-to-end tier setup: start the provider with `wrangler dev --env dev` on a free loopback port, with
// local KV and Durable Objects persisted to a fresh temporary directory (so every run starts from the
// seeded demo data of DESIGN.md §2 and nothing else), wait until discovery answers, and hand the issuer
// to the tests through vitest's provide/inject. Teardown stops the whole wrangler process group.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The running provider's issuer identifier, e.g. http://127.0.0.1:41234 (no trailing slash). */
    issuer: string;
  }
}

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const STARTUP_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;
/** Keep at most this much of wrangler's output (the tail is what explains a failed start). */
const OUTPUT_LIMIT = 256 * 1024;

/** Bind port 0 on the loopback interface, read the port the kernel chose, and release it. */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a loopback listener"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolvePort(port)));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Send a signal to the child's whole process group (it was spawned detached, so its pid is the group id). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const done = exited(child)
    ? Promise.resolve()
    : new Promise<void>((r) => child.once("exit", () => r()));
  signalGroup(child, "SIGTERM");
  const stopped = await Promise.race([done.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
  // workerd may outlive the wrangler parent briefly (or ignore SIGTERM): make sure the group is gone.
  signalGroup(child, "SIGKILL");
  if (!stopped) await Promise.race([done, sleep(1_000)]);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const persistDir = await mkdtemp(join(tmpdir(), "edge-oidc-e2e-"));

  let output = "";
  const capture = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };

  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--env",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--var",
      `ISSUER:${issuer}`,
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      "--live-reload=false",
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        // No browser, no update check, no colours in the captured log.
        BROWSER: "none",
        NO_UPDATE_NOTIFIER: "1",
        FORCE_COLOR: "0",
        NO_COLOR: "1",
      },
    },
  );
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });

  // If the test process dies without running teardown, do not leave wrangler/workerd behind.
  const onExit = () => signalGroup(child, "SIGKILL");
  process.once("exit", onExit);

  const teardown = async () => {
    process.removeListener("exit", onExit);
    await stop(child);
    await rm(persistDir, { recursive: true, force: true });
  };

  const discovery = `${issuer}/.well-known/openid-configuration`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  try {
    for (;;) {
      if (spawnError) throw new Error(`could not start wrangler: ${spawnError.message}`);
      if (exited(child)) {
        throw new Error(`wrangler exited early (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${discovery} did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (last: ${lastProblem})`);
      }
      try {
        const res = await fetch(discovery, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
        const body = await res.text();
        if (res.status === 200) break;
        lastProblem = `HTTP ${res.status}: ${body.slice(0, 300)}`;
      } catch (err) {
        lastProblem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      await sleep(300);
    }
  } catch (err) {
    await teardown();
    process.stderr.write(`\n----- wrangler dev output -----\n${output}\n----- end of wrangler dev output -----\n`);
    throw err;
  }

  project.provide("issuer", issuer);
  return teardown;
}
