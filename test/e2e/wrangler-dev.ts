// Start the provider with `wrangler dev --env dev` on a free loopback port, with local KV and Durable Objects
// persisted to a fresh temporary directory (so every run starts from the seeded demo data of the README and
// nothing else), and optionally the weather example API (examples/weather) on another free port, pointed at that
// provider through its service binding. Both use a private dev registry (so a developer's own `npm start` cannot
// answer for them) and their own devtools ports. Resolves once discovery answers (and the weather API reaches the
// provider); `stop` ends both wrangler process groups and removes the temporary directories. Shared by the
// end-to-end tier (global-setup.ts), the passkey tests (passkeys.e2e.test.ts) and the interop suite
// (test/interop/global-setup.ts). The issuer is http://127.0.0.1:<port> unless `issuerHost: "localhost"` is asked
// for: browsers refuse WebAuthn on an IP-address origin (the RP ID must be a domain; Chromium answers SecurityError
// "This is an invalid domain"), so the passkey tests need the name; the listener is on 127.0.0.1 either way.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
  const done = exited(child) ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r()));
  signalGroup(child, "SIGTERM");
  const stopped = await Promise.race([done.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
  // workerd may outlive the wrangler parent briefly (or ignore SIGTERM): make sure the group is gone.
  signalGroup(child, "SIGKILL");
  if (!stopped) await Promise.race([done, sleep(1_000)]);
}

interface Wrangler {
  child: ChildProcess;
  name: string;
  output: () => string;
  spawnError: () => Error | undefined;
}

/** Spawn `wrangler dev` with these arguments in its own process group, keeping the tail of its output. */
function startWrangler(name: string, args: string[], extraEnv: Record<string, string>): Wrangler {
  let output = "";
  const capture = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  const child = spawn(
    "npx",
    ["wrangler", "dev", ...args, "--show-interactive-dev-session=false", "--live-reload=false"],
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
        ...extraEnv,
      },
    },
  );
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });
  return { child, name, output: () => output, spawnError: () => spawnError };
}

/** Poll until `ready` says yes, failing early if wrangler dies, and late after STARTUP_TIMEOUT_MS. */
async function waitUntil(wrangler: Wrangler, what: string, ready: () => Promise<string | true>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  for (;;) {
    const spawnError = wrangler.spawnError();
    if (spawnError) throw new Error(`could not start ${wrangler.name}: ${spawnError.message}`);
    if (exited(wrangler.child)) {
      throw new Error(
        `${wrangler.name} exited early (code ${wrangler.child.exitCode}, signal ${wrangler.child.signalCode})`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} within ${STARTUP_TIMEOUT_MS / 1000} s failed (last: ${lastProblem})`);
    }
    try {
      const outcome = await ready();
      if (outcome === true) return;
      lastProblem = outcome;
    } catch (err) {
      lastProblem = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await sleep(300);
  }
}

export interface RunningWorkers {
  /** The provider's issuer identifier (no trailing slash). */
  issuer: string;
  /** The weather API's origin, when it was asked for. */
  weatherUrl: string | undefined;
  stop: () => Promise<void>;
}

interface StartOptions {
  /** Also start the weather example API. */
  weather: boolean;
  /** The issuer's host name (the listener is on 127.0.0.1 either way); default 127.0.0.1. */
  issuerHost?: "127.0.0.1" | "localhost";
}

export async function startWorkers(options: StartOptions): Promise<RunningWorkers> {
  const [port, weatherPort, inspectorPort, weatherInspectorPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const issuer = `http://${options.issuerHost ?? "127.0.0.1"}:${port}`;
  const weatherUrl = options.weather ? `http://127.0.0.1:${weatherPort}` : undefined;
  const persistDir = await mkdtemp(join(tmpdir(), "edge-oidc-e2e-"));
  const weatherPersistDir = await mkdtemp(join(tmpdir(), "edge-oidc-e2e-weather-"));
  // Service bindings between two `wrangler dev` processes are resolved through this registry directory.
  const registryDir = await mkdtemp(join(tmpdir(), "edge-oidc-e2e-registry-"));
  const env = { WRANGLER_REGISTRY_PATH: registryDir };

  const provider = startWrangler(
    "provider",
    [
      "--env",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--var",
      `ISSUER:${issuer}`,
      "--persist-to",
      persistDir,
    ],
    env,
  );
  const running = [provider];
  // The weather API (its [env.dev] binds PROVIDER to the service "edge-oidc-dev", which is the provider above).
  const weather =
    weatherUrl === undefined
      ? undefined
      : startWrangler(
          "weather API",
          [
            "--config",
            "examples/weather/wrangler.toml",
            "--env",
            "dev",
            "--ip",
            "127.0.0.1",
            "--port",
            String(weatherPort),
            "--inspector-port",
            String(weatherInspectorPort),
            "--var",
            `ISSUER:${issuer}`,
            "--persist-to",
            weatherPersistDir,
          ],
          env,
        );
  if (weather) running.push(weather);

  // If the test process dies without running teardown, do not leave wrangler/workerd behind.
  const onExit = () => {
    for (const w of running) signalGroup(w.child, "SIGKILL");
  };
  process.once("exit", onExit);

  const teardown = async () => {
    process.removeListener("exit", onExit);
    await Promise.all(running.map((w) => stop(w.child)));
    await rm(persistDir, { recursive: true, force: true });
    await rm(weatherPersistDir, { recursive: true, force: true });
    await rm(registryDir, { recursive: true, force: true });
  };

  const discovery = `${issuer}/.well-known/openid-configuration`;
  try {
    await waitUntil(provider, `${discovery} answering 200`, async () => {
      const res = await fetch(discovery, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
      const body = await res.text();
      return res.status === 200 || `HTTP ${res.status}: ${body.slice(0, 300)}`;
    });
    if (weather) {
      // An opaque token the provider does not know: the weather API must introspect it through the service
      // binding, so 401 (inactive) means the binding is connected; 503 means it is not yet.
      await waitUntil(weather, `${weatherUrl} reaching the provider`, async () => {
        const res = await fetch(`${weatherUrl}/current?zipcode=90210`, {
          headers: { authorization: "Bearer e2e-readiness-probe" },
          signal: AbortSignal.timeout(5_000),
          redirect: "manual",
        });
        const body = await res.text();
        return res.status === 401 || `HTTP ${res.status}: ${body.slice(0, 300)}`;
      });
    }
  } catch (err) {
    await teardown();
    for (const w of running) {
      process.stderr.write(
        `\n----- wrangler dev output (${w.name}) -----\n${w.output()}\n----- end of ${w.name} output -----\n`,
      );
    }
    throw err;
  }
  return { issuer, weatherUrl, stop: teardown };
}
