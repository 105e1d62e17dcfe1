// `npm run soak`: sustained mixed traffic against a local provider (loopback only, the bench's Miniflare host with
// the demo data) for a bounded time, then it stops by itself. Reports requests, unexpected answers (must be 0),
// 5xx answers (must be 0) and the server process's memory at start and end; exits non-zero on any error.
// SOAK_SECONDS (default 300) and SOAK_CONCURRENCY (default 8) tune it. Not part of `npm test`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rssMiB } from "./bench/load.mjs";
import { bundle, freePort, startOurs } from "./bench/ours.mjs";
import { ourAuthorizeUrl, ourSession } from "./bench/ours-session.mjs";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const SCOPE = "openid profile email offline_access";
const REDIRECT = "http://localhost:3000/callback";
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const DEMO = basic("demo", "demo-secret");
const SERVICE = basic("demo-service", "demo-service-secret");

/** One step of traffic: a request and the status it must get. Some are refusals on purpose (4xx expected). */
function steps(issuer, session) {
  const form = (path, fields, authorization) =>
    fetch(`${issuer}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(fields).toString(),
    });
  const json = async (res, expected) => {
    if (res.status !== expected) throw new Error(`${res.status} ${(await res.text()).slice(0, 120)}`);
    return res.json();
  };
  const silentCode = async () => {
    const res = await fetch(ourAuthorizeUrl(issuer, SCOPE), {
      redirect: "manual",
      headers: { cookie: session.cookie },
    });
    const code = new URL(res.headers.get("location") ?? "", issuer).searchParams.get("code");
    if (!code) throw new Error(`authorize: ${res.status}, no code`);
    return code;
  };
  return [
    async () => json(await fetch(`${issuer}/.well-known/openid-configuration`), 200),
    async () => json(await fetch(`${issuer}/jwks`), 200),
    async () => json(await form("/token", { grant_type: "client_credentials", scope: "weather" }, SERVICE), 200),
    // The code flow, then everything its tokens can do.
    async () => {
      const tokens = await json(
        await form(
          "/token",
          { grant_type: "authorization_code", code: await silentCode(), redirect_uri: REDIRECT },
          DEMO,
        ),
        200,
      );
      await json(
        await fetch(`${issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        200,
      );
      const active = await json(await form("/introspect", { token: tokens.access_token }, DEMO), 200);
      if (active.active !== true) throw new Error("introspection: not active");
      const refreshed = await json(
        await form("/token", { grant_type: "refresh_token", refresh_token: tokens.refresh_token }, DEMO),
        200,
      );
      const revoked = await form("/revoke", { token: refreshed.refresh_token }, DEMO);
      if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
    },
    // Refusals: they must be the standard 4xx, never a 5xx.
    async () => json(await form("/token", { grant_type: "client_credentials" }, basic("demo", "wrong")), 401),
    async () => json(await form("/token", { grant_type: "made_up" }, DEMO), 400),
    async () => json(await fetch(`${issuer}/userinfo`, { headers: { authorization: "Bearer not-a-token" } }), 401),
    async () => {
      const res = await fetch(`${issuer}/authorize?client_id=nobody&redirect_uri=x`);
      if (res.status !== 400) throw new Error(`authorize without a client: ${res.status}`);
      await res.text();
    },
  ];
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), "edge-oidc-soak-"));
  const script = await bundle(root, join(root, "scripts/bench/provider-worker.ts"), join(work, "bundle"), work);
  const server = await startOurs(script, await freePort());
  try {
    const session = await ourSession(server.issuer, SCOPE);
    const traffic = steps(server.issuer, session);
    const startRss = rssMiB(server.pid);
    const deadline = Date.now() + SECONDS * 1000;
    let requests = 0;
    let errors = 0;
    let fiveXx = 0;
    const firstErrors = [];
    const originalFetch = globalThis.fetch;
    globalThis.fetch = async (...args) => {
      const res = await originalFetch(...args);
      requests++;
      if (res.status >= 500) fiveXx++;
      return res;
    };
    console.log(`soak: ${SECONDS} s of mixed traffic, ${CONCURRENCY} in flight, against ${server.issuer}`);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, lane) => {
        for (let i = lane; Date.now() < deadline; i += CONCURRENCY) {
          try {
            await traffic[i % traffic.length]();
          } catch (err) {
            errors++;
            if (firstErrors.length < 5) firstErrors.push(err instanceof Error ? err.message : String(err));
          }
        }
      }),
    );
    globalThis.fetch = originalFetch;
    const endRss = rssMiB(server.pid);
    console.log(`requests: ${requests}`);
    console.log(`errors: ${errors}${firstErrors.length ? ` (first: ${firstErrors.join(" | ")})` : ""}`);
    console.log(`5xx: ${fiveXx}`);
    console.log(`server memory (RSS MiB): start ${startRss.toFixed(0)}, end ${endRss.toFixed(0)}`);
    process.exitCode = errors === 0 && fiveXx === 0 ? 0 : 1;
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
