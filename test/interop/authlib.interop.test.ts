// Interop: Python authlib (Debian's python3-authlib, run by /usr/bin/python3) against the provider under
// `wrangler dev`. authlib_flows.py does the flows (the login over HTTP with a requests session) for one client per
// authentication method and prints a JSON verdict per flow, which each test here asserts. A missing authlib is a
// failure with a message saying what to install, never a skip.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { AUTH_METHODS, REDIRECT_URI, SCOPE, SERVICE_SCOPE, USER, registerClient } from "./support";

const issuer = inject("issuer");
/** Debian's interpreter: the one python3-authlib installs into (a pyenv or venv python3 would lack it). */
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("authlib_flows.py", import.meta.url));
const FLOWS = ["code_flow", "userinfo", "refresh", "introspection", "revocation", "client_credentials"] as const;
const INSTALL_HINT = "install it with `apt-get install -y --no-install-recommends python3-authlib python3-requests`";

interface Verdict {
  ok: boolean;
  detail: string;
  trace?: string;
}

async function runAuthlib(clients: Record<string, Record<string, string>>): Promise<Record<string, Verdict>> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} does not exist: ${INSTALL_HINT}`);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(PYTHON, [SCRIPT], {
      timeout: 60_000,
      env: {
        ...process.env,
        ISSUER: issuer,
        REDIRECT_URI,
        USERNAME: USER.username,
        PASSWORD: USER.password,
        SCOPE,
        SERVICE_SCOPE,
        CLIENTS: JSON.stringify(clients),
      },
    }));
  } catch (err) {
    const output = err as { code?: number; stdout?: string; stderr?: string };
    if (output.code === 3) {
      throw new Error(`${PYTHON} lacks authlib or requests (${output.stdout}): ${INSTALL_HINT}`, { cause: err });
    }
    throw new Error(`authlib_flows.py failed: ${output.stderr ?? String(err)}`, { cause: err });
  }
  const parsed = JSON.parse(stdout) as { authlib: string; results: Record<string, Verdict> };
  return parsed.results;
}

describe("Python authlib", () => {
  let results: Record<string, Verdict> = {};

  beforeAll(async () => {
    const clients: Record<string, Record<string, string>> = {};
    for (const method of AUTH_METHODS) {
      const registered = await registerClient(issuer, "authlib", method);
      clients[method] = {
        client_id: registered.clientId,
        ...(registered.secret === undefined ? {} : { client_secret: registered.secret }),
        ...(registered.privateKey ? { private_key_pem: registered.privateKey.pem } : {}),
      };
    }
    results = await runAuthlib(clients);
  }, 90_000);

  for (const method of AUTH_METHODS) {
    for (const flow of FLOWS) {
      it(`${method}: ${flow.replace("_", " ")}`, () => {
        const verdict = results[`${method}:${flow}`];
        expect(verdict, `no verdict for ${method}:${flow}`).toBeDefined();
        expect(verdict?.ok, `${verdict?.detail ?? ""}\n${verdict?.trace ?? ""}`).toBe(true);
      });
    }
  }
});
