// End-to-end: `npm start` (scripts/start.mjs) links the weather API to its own provider, whatever else runs on the
// machine. A decoy Worker named "edge-oidc-dev" (what any other checkout's `wrangler dev --env dev` registers) is
// started after it in the machine-wide dev registry; the weather API must keep introspecting at its own provider,
// and `npm start` must register nothing machine-wide. The machine-wide registry here is that of a fake HOME, so
// nobody's real ~/.config/.wrangler is touched.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  let output = "";
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const capture = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-64 * 1024);
  };
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  return { child, output: () => output };
}

async function until(what: string, started: Started, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`${what}: exited early\n${started.output()}`);
    if (await ready().catch(() => false)) return;
    await sleep(300);
  }
  throw new Error(`${what}: timed out\n${started.output()}`);
}

/** Stops a process group; resolves when its leader has exited. */
async function stopGroup(started: Started | undefined, signal: NodeJS.Signals): Promise<void> {
  const pid = started?.child.pid;
  if (!started || pid === undefined || started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => started.child.once("exit", () => r()));
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  await Promise.race([exited, sleep(10_000)]);
}

describe("npm start keeps to its own provider", () => {
  const cleanup: string[] = [];
  let npmStart: Started | undefined;
  let decoy: Started | undefined;

  afterAll(async () => {
    await stopGroup(decoy, "SIGTERM");
    // scripts/start.mjs stops its two wrangler process groups itself on SIGTERM.
    await stopGroup(npmStart, "SIGTERM");
    await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("a decoy edge-oidc-dev in the machine-wide registry does not take over the weather API's provider", async () => {
    const home = await mkdtemp(join(tmpdir(), "edge-oidc-start-home-"));
    const work = await mkdtemp(join(tmpdir(), "edge-oidc-start-work-"));
    cleanup.push(home, work);
    const machineRegistry = join(home, ".config", ".wrangler", "registry");
    const [port, weatherPort, weatherInspector, decoyPort, decoyInspector] = await Promise.all(
      [1, 2, 3, 4, 5].map(() => freePort()),
    );
    const { WRANGLER_REGISTRY_PATH: _inherited, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      CI: "true",
      WRANGLER_SEND_METRICS: "false",
      NO_UPDATE_NOTIFIER: "1",
      FORCE_COLOR: "0",
    };

    npmStart = start([join(REPO_ROOT, "scripts", "start.mjs")], {
      ...env,
      PORT: String(port),
      WEATHER_PORT: String(weatherPort),
      WEATHER_INSPECTOR_PORT: String(weatherInspector),
      PERSIST_TO: join(work, "state"),
    });
    const weather = `http://localhost:${weatherPort}/current?zipcode=90210`;
    // An unknown opaque token is introspected through the service binding: 401 once the provider is linked.
    const probe = async () =>
      (await fetch(weather, { headers: { authorization: "Bearer probe" }, signal: AbortSignal.timeout(5_000) }))
        .status === 401;
    await until("npm start", npmStart, probe);
    const registryLine = /dev registry (\S+)/.exec(npmStart.output());
    expect(registryLine?.[1]).toBeDefined();
    const privateRegistry = registryLine?.[1] ?? "";
    expect((await readdir(privateRegistry)).sort()).toEqual(["edge-oidc-dev", "edge-oidc-weather-dev"]);

    // The decoy: another project's Worker under the provider's dev name, in the machine-wide registry.
    await mkdir(join(work, "decoy"));
    await writeFile(
      join(work, "decoy", "decoy.js"),
      'export default { fetch: () => new Response("decoy", { status: 418 }) };\n',
    );
    await writeFile(
      join(work, "decoy", "wrangler.json"),
      JSON.stringify({ name: "edge-oidc-dev", main: "decoy.js", compatibility_date: "2026-04-20" }),
    );
    decoy = start(
      [
        WRANGLER,
        "dev",
        "--config",
        join(work, "decoy", "wrangler.json"),
        "--port",
        String(decoyPort),
        "--inspector-port",
        String(decoyInspector),
        "--show-interactive-dev-session=false",
      ],
      env,
    );
    await until("the decoy", decoy, async () => (await fetch(`http://localhost:${decoyPort}/`)).status === 418);
    await until("the decoy's registration", decoy, async () => existsSync(join(machineRegistry, "edge-oidc-dev")));
    // Had the weather API read the machine-wide registry, its watcher would have switched to the decoy by now.
    await sleep(2_000);

    // npm start registered nothing machine-wide: it can neither take over nor be taken over.
    expect(await readdir(machineRegistry)).toEqual(["edge-oidc-dev"]);
    const form = new URLSearchParams({ grant_type: "client_credentials", scope: "weather" });
    const tokenRes = await fetch(`http://localhost:${port}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa("demo-service-ref:demo-service-secret")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form,
    });
    expect(tokenRes.status).toBe(200);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    // An opaque token: the weather API asks its provider (introspection through the binding) on this request.
    const res = await fetch(weather, { headers: { authorization: `Bearer ${access_token}` } });
    expect(res.status, await res.clone().text()).toBe(200);

    await stopGroup(npmStart, "SIGTERM");
    expect(existsSync(privateRegistry)).toBe(false);
  }, 240_000);
});
