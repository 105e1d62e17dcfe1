// `npm start`: the provider (wrangler dev --env dev, http://localhost:8787) and the weather example API
// (examples/weather, http://localhost:8788) side by side. The weather API reaches the provider through its
// service binding to "edge-oidc-dev" (wrangler's local dev registry connects the two processes).
// Output is prefixed per Worker; Ctrl-C (or either one exiting) stops both.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
// Two interactive sessions cannot share one terminal: no hotkeys, plain output.
const common = ["--show-interactive-dev-session=false"];

const workers = [
  { name: "provider", args: ["dev", "--env", "dev", "--port", "8787", ...common] },
  {
    name: "weather ",
    args: ["dev", "--config", "examples/weather/wrangler.toml", "--env", "dev", "--port", "8788", ...common],
  },
];

let stopping = false;
const children = workers.map(({ name, args }) => {
  // Its own process group, so that stopping it also stops the workerd it starts.
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: root,
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
