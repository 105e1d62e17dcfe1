// `npm start`: the provider (wrangler dev --env dev, http://localhost:8787) and the weather example API
// (examples/weather, http://localhost:8788) side by side. The weather API reaches the provider through its
// service binding to "edge-oidc-dev", which wrangler resolves through its dev registry. Each run gets a
// registry of its own (WRANGLER_REGISTRY_PATH, a fresh temporary directory removed on exit): with the default,
// machine-wide registry, any other `wrangler dev --env dev` of this project (another checkout, a test run)
// registers the same name and silently takes over the link, or this run takes over theirs.
// PORT and WEATHER_PORT move the two Workers (the issuer follows PORT), WEATHER_INSPECTOR_PORT the weather API's
// devtools port, and PERSIST_TO their local storage (default: .wrangler/ of each). Output is prefixed per
// Worker; Ctrl-C (or either one exiting) stops both.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");

function portFromEnv(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`${name} must be a TCP port (1-65535), not ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return port;
}

/** `preferred` when nothing listens on it, else a port the system picks. */
function freePort(preferred) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once("error", () => resolvePort(preferred === 0 ? 0 : freePort(0)));
    server.listen(preferred, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const port = portFromEnv("PORT", 8787);
const weatherPort = portFromEnv("WEATHER_PORT", 8788);
const issuer = `http://localhost:${port}`;
// The provider's wrangler falls back from 9229 by itself; the weather config names 9230, so check it here.
const weatherInspectorPort = await freePort(portFromEnv("WEATHER_INSPECTOR_PORT", 9230));

const registry = mkdtempSync(join(tmpdir(), "edge-oidc-dev-registry-"));
const removeRegistry = () => rmSync(registry, { recursive: true, force: true });
process.on("exit", removeRegistry);

// Two interactive sessions cannot share one terminal: no hotkeys, plain output.
const common = ["--show-interactive-dev-session=false", "--var", `ISSUER:${issuer}`];

const persistTo = process.env.PERSIST_TO;
const persist = (dir) => (persistTo ? ["--persist-to", join(resolve(persistTo), dir)] : []);

const workers = [
  { name: "provider", args: ["dev", "--env", "dev", "--port", String(port), ...persist("provider"), ...common] },
  {
    name: "weather ",
    args: [
      "dev",
      "--config",
      "examples/weather/wrangler.toml",
      "--env",
      "dev",
      "--port",
      String(weatherPort),
      "--inspector-port",
      String(weatherInspectorPort),
      ...persist("weather"),
      ...common,
    ],
  },
];

process.stdout.write(`provider ${issuer}, weather API http://localhost:${weatherPort}, dev registry ${registry}\n`);

let stopping = false;
const children = workers.map(({ name, args }) => {
  // Its own process group, so that stopping it also stops the workerd it starts.
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: root,
    env: { ...process.env, WRANGLER_REGISTRY_PATH: registry },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  prefix(child.stdout, process.stdout, name);
  prefix(child.stderr, process.stderr, name);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      process.stderr.write(`[${name}] exited (${signal ?? code}); stopping the other one\n`);
      stop(code ?? 1);
    }
  });
  return child;
});

function prefix(from, to, name) {
  let pending = "";
  from.setEncoding("utf8");
  from.on("data", (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) to.write(`[${name}] ${line}\n`);
  });
  from.on("end", () => {
    if (pending) to.write(`[${name}] ${pending}\n`);
  });
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const child of children) signalGroup(child, "SIGTERM");
  const alive = () => children.some((c) => c.exitCode === null && c.signalCode === null);
  const deadline = Date.now() + 5_000;
  const timer = setInterval(() => {
    if (alive() && Date.now() < deadline) return;
    clearInterval(timer);
    for (const child of children) signalGroup(child, "SIGKILL");
    process.exit(exitCode);
  }, 100);
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
