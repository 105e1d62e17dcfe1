// The production configuration: it builds for deployment (wrangler deploy --dry-run, offline), and it never
// seeds demo data nor carries secrets; only [env.dev] does, for local development.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

describe("deploy configuration", () => {
  it("the top level has no demo seed and no secrets; [env.dev] has them", async () => {
    const toml = (await readFile(resolve(ROOT, "wrangler.toml"), "utf8"))
      .split("\n")
      .map((line) => line.replace(/#.*$/, ""))
      .join("\n");
    const [production = "", dev = ""] = toml.split(/^\[env\.dev\]$/m);
    for (const name of ["DEMO_SEED", "KEY_ENCRYPTION_SECRET =", "SESSION_SECRET =", "ADMIN_TOKEN ="]) {
      expect(production).not.toContain(name);
    }
    expect(dev).toContain('DEMO_SEED = "true"');
  });

  it("wrangler deploy --dry-run builds the production worker with every binding", async () => {
    const { stdout } = await run(
      resolve(ROOT, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", resolve(ROOT, ".wrangler/dry-run")],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      },
    );
    for (const binding of [
      "env.GRANT",
      "env.KEY_MANAGER",
      "env.LIMITER",
      "env.ASSERTION_REPLAY",
      "env.PUSHED_REQUEST",
      "env.CLIENTS",
      "env.KEYS",
      "env.USERS",
    ]) {
      expect(stdout).toContain(binding);
    }
    expect(stdout).not.toContain("DEMO_SEED");
  });
});
