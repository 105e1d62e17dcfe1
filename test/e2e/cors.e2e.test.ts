// End-to-end: CORS over real HTTP against `wrangler dev`: the preflight and actual answers a browser app relies on,
// and a client created by the admin CLI with --cors-origin.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const issuer = inject("issuer");
const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const APP = "https://batch-ui.example.com";

async function admin(...args: string[]): Promise<string> {
  const { stdout } = await run(
    resolve(ROOT, "node_modules/.bin/tsx"),
    ["scripts/admin.ts", "--url", issuer, "--token", "dev-admin-token", ...args],
    { cwd: ROOT, timeout: 30_000 },
  );
  return stdout;
}

function clientCredentials(clientId: string, secret: string, origin: string): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: "POST",
    headers: {
      origin,
      authorization: `Basic ${btoa(`${clientId}:${secret}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials&scope=weather",
  });
}

describe("CORS over HTTP", () => {
  it("discovery to any origin, and the token endpoint's preflight", async () => {
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { origin: APP } });
    expect(discovery.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await fetch(`${issuer}/token`, {
      method: "OPTIONS",
      headers: { origin: APP, "access-control-request-method": "POST", "access-control-request-headers": "dpop" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("Authorization,Content-Type,DPoP");
  });

  it("a confidential client created with --cors-origin is answered for that origin only", async () => {
    const created = JSON.parse(
      await admin(
        "--json",
        "clients",
        "create",
        "--name",
        "CORS batch",
        "--grant-type",
        "client_credentials",
        "--scope",
        "weather",
        "--cors-origin",
        APP,
      ),
    ) as { client_id: string; client_secret: string; allowed_cors_origins: string[] };
    expect(created.allowed_cors_origins).toEqual([APP]);
    const allowed = await clientCredentials(created.client_id, created.client_secret, APP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await clientCredentials(created.client_id, created.client_secret, "https://other.example.com");
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    await admin("clients", "delete", "--", created.client_id);
  });
});
