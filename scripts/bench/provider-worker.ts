// The provider as `npm run bench` serves it: the real app and Durable Object classes (src/index.ts), with two
// additions that exist only here:
//   - every KV and Durable Object call the Worker makes is counted (the driver reads /__bench/counters before and
//     after a block, so round trips per request are counted, not estimated); calls one object makes to another
//     are not the Worker's round trips and are not counted;
//   - POST /__bench/loop runs one flow's real handler N times in a loop through app.fetch inside this isolate and
//     times the block, and runs raw JWT signatures per algorithm for scale;
//   - the sign-in flows (one POST /login with a password, or with a passkey's assertion) get their inputs made
//     before the timed block: two users (one with a passkey registered on the account page, answered by the
//     tests' software authenticator, test/support/soft-authenticator.ts), and per sign-in a fresh login page and,
//     for the passkey, the assertion over its challenge.
// A resource server that asks for RS256 is added to the configuration, so RS256 client_credentials tokens can be
// measured beside the ES256 default.
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { SignJWT, base64url, exportJWK, generateKeyPair } from "jose";
import { config } from "../../src/config";
import { authenticateClient } from "../../src/clients/authentication";
import { findClient } from "../../src/clients/registry";
import type { AppEnv, Env } from "../../src/env";
import { clientCredentials } from "../../src/grants/client-credentials";
import { clientCors } from "../../src/http/cors";
import { dpopNonce } from "../../src/http/dpop-nonce";
import { noStore } from "../../src/http/no-store";
import { formParams } from "../../src/http/params";
import {
  verifyPasskeyAssertion,
  verifyPasskeyRegistration,
  type AuthenticationResponseJSON,
  type ExpectedCeremony,
  type StoredPasskey,
} from "../../src/lib/webauthn";
import { SoftAuthenticator } from "../../test/support/soft-authenticator";
import * as provider from "../../src/index";
import { meteredClass, storageCounts, countedNamespace } from "./storage-meter";

const { app } = provider;

// The real Durable Object classes, their storage, alarms and calls to each other counted (./storage-meter.ts).
export const Account = meteredClass(provider.Account);
export const AssertionReplay = meteredClass(provider.AssertionReplay);
export const ClientState = meteredClass(provider.ClientState);
export const Grant = meteredClass(provider.Grant);
export const KeyManager = meteredClass(provider.KeyManager);
export const Limiter = meteredClass(provider.Limiter);
export const PushedRequest = meteredClass(provider.PushedRequest);

/**
 * What the local host charges for Durable Object storage, so the report can say how much of a stateful flow's
 * CPU is the host's: a call, a write of a changed value, an alarm, and waking a brand-new object.
 */
export class BenchProbe extends DurableObject<Env> {
  async noop(): Promise<void> {}
  async write(): Promise<void> {
    this.ctx.storage.kv.put("probe", { v: crypto.randomUUID() });
  }
  async alarmSoon(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + 3_600_000 + Math.floor(Math.random() * 1_000_000));
  }
  override async alarm(): Promise<void> {}
}

interface ProbeEnv {
  BENCH_PROBE: DurableObjectNamespace<BenchProbe>;
}

/** µs per call of each storage operation through a Durable Object, in this host. */
async function storageCosts(env: ProbeEnv, n: number): Promise<Record<string, number>> {
  const warm = env.BENCH_PROBE.get(env.BENCH_PROBE.idFromName("warm"));
  const fresh = Array.from({ length: n + 1 }, () => env.BENCH_PROBE.get(env.BENCH_PROBE.newUniqueId()));
  const steps: Record<string, () => Promise<void>> = {
    call: () => warm.noop(),
    write: () => warm.write(),
    setAlarm: () => warm.alarmSoon(),
    newObject: async () => (fresh.pop() ?? warm).write(),
  };
  const out: Record<string, number> = {};
  for (const [name, step] of Object.entries(steps)) {
    await step();
    await tick();
    const started = performance.now();
    for (let i = 0; i < n; i++) await step();
    await tick();
    out[name] = ((performance.now() - started) / n) * 1000;
  }
  return out;
}

const RS256_API = "urn:edge-oidc:api:bench-rs256";
Reflect.set(config, "resourceServers", [
  ...config.resourceServers,
  { audience: RS256_API, scopes: [], accessTokenSigningAlg: "RS256" },
]);

const counts = { kv: 0, do: 0 };
const KV_BINDINGS = new Set(["CLIENTS", "KEYS", "USERS"]);
const DO_BINDINGS = new Set([
  "GRANT",
  "ACCOUNT",
  "CLIENT_STATE",
  "LIMITER",
  "KEY_MANAGER",
  "ASSERTION_REPLAY",
  "PUSHED_REQUEST",
]);

/** Counts each call of a method on `target`; `then` is left alone so the object is never mistaken for a promise. */
function counting<T extends object>(target: T, counter: "kv" | "do"): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== "function" || typeof prop !== "string" || prop === "then") return value;
      return (...args: unknown[]) => {
        counts[counter]++;
        const result: unknown = Reflect.apply(value, obj, args);
        return result;
      };
    },
  });
}

function countingEnv(env: Env): Env {
  return new Proxy(env, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof prop !== "string" || typeof value !== "object" || value === null) return value;
      if (KV_BINDINGS.has(prop)) return counting(value, "kv");
      if (DO_BINDINGS.has(prop))
        return countedNamespace(value, () => {
          counts.do++;
        });
      return value;
    },
  });
}

interface LoopInput {
  flow: string;
  n: number;
  issuer: string;
  /** Session cookie for the code flow (the driver signed in over HTTP). */
  cookie?: string;
  refreshToken?: string;
  accessToken?: string;
  toRevoke?: string[];
  /** DPoP proofs for the cc-dpop flow, one per request (made before the timed block). */
  proofs?: string[];
  /** The sign-in flows' POST /login requests, in order (made before the timed block, by /__bench/prepare or here). */
  signIns?: Request[];
}

const BASIC_SERVICE = `Basic ${btoa("demo-service:demo-service-secret")}`;
const BASIC_DEMO = `Basic ${btoa("demo:demo-secret")}`;
const REDIRECT = "http://localhost:3000/callback";
const FORM = "application/x-www-form-urlencoded";

/** A form POST as a client sends it (with Content-Length, as HTTP clients do for a known-size body). */
function form(
  issuer: string,
  path: string,
  body: Record<string, string>,
  authorization: string,
  extra: Record<string, string> = {},
): Request {
  const text = new URLSearchParams(body).toString();
  return new Request(`${issuer}${path}`, {
    method: "POST",
    headers: {
      "content-type": FORM,
      "content-length": String(new TextEncoder().encode(text).length),
      authorization,
      ...extra,
    },
    body: text,
  });
}

/** Lets the runtime's clock catch up (it only moves on I/O; a timer is enough). */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Milliseconds `step` takes, by the runtime's clock. */
async function timed(step: () => Promise<void>): Promise<number> {
  await tick();
  const started = performance.now();
  await step();
  await tick();
  return performance.now() - started;
}

async function ok(res: Response, flow: string): Promise<Response> {
  if (res.status >= 400) throw new Error(`${flow} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res;
}

/** One request of a flow; returns what the next iteration needs (the refresh token of a chain). */
type Step = (env: Env, ctx: ExecutionContext, state: LoopInput) => Promise<void>;

const call = (env: Env, ctx: ExecutionContext, req: Request) => app.fetch(req, env, ctx);

/** For scale: a bare Hono app that reads a form POST and answers a token-sized JSON (what any handler costs here). */
const bare = new Hono();
bare.post("/token", async (c) => {
  const params = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  return c.json({
    access_token: "x".repeat(600),
    token_type: "Bearer",
    expires_in: 3600,
    scope: params.get("scope") ?? "",
  });
});

/**
 * client_credentials in parts, to say where its in-isolate time goes: the token route's front (its middleware, the
 * form read and the client's authentication, answering a constant), and the grant's handler alone (scope, lifetime
 * and the JWT's signature, called directly).
 */
const ccFront = new Hono<AppEnv>();
ccFront.use(clientCors(["POST"]), noStore, dpopNonce);
ccFront.post("/token", async (c) => {
  const params = await formParams(c);
  const client = await authenticateClient(c.env, c.req.header("authorization"), params, "token");
  return c.json({ client_id: client.client_id });
});

async function ccHandler(env: Env): Promise<void> {
  const client = await findClient(env, "demo-service");
  if (!client) throw new Error("demo-service is not seeded");
  const params = { grant_type: "client_credentials", scope: "weather" };
  await clientCredentials.handle({ env, client, params, source: "127.0.0.1", dpop: undefined });
}

const flows: Record<string, Step> = {
  "cc-front": async (env, ctx, s) =>
    void (
      await ok(
        await ccFront.fetch(
          form(s.issuer, "/token", { grant_type: "client_credentials", scope: "weather" }, BASIC_SERVICE),
          env,
          ctx,
        ),
        "cc-front",
      )
    ).text(),
  "cc-handler": (env) => ccHandler(env),
  "bare-hono": async (_env, _ctx, s) =>
    void (
      await ok(
        await bare.fetch(
          form(s.issuer, "/token", { grant_type: "client_credentials", scope: "weather" }, BASIC_SERVICE),
        ),
        "bare",
      )
    ).text(),
  discovery: async (env, ctx, s) =>
    void (
      await ok(await call(env, ctx, new Request(`${s.issuer}/.well-known/openid-configuration`)), "discovery")
    ).text(),
  jwks: async (env, ctx, s) => void (await ok(await call(env, ctx, new Request(`${s.issuer}/jwks`)), "jwks")).text(),
  "cc-es256": async (env, ctx, s) =>
    void (
      await ok(
        await call(
          env,
          ctx,
          form(s.issuer, "/token", { grant_type: "client_credentials", scope: "weather" }, BASIC_SERVICE),
        ),
        "cc",
      )
    ).text(),
  "cc-rs256": async (env, ctx, s) =>
    void (
      await ok(
        await call(
          env,
          ctx,
          form(
            s.issuer,
            "/token",
            { grant_type: "client_credentials", scope: "weather", resource: RS256_API },
            BASIC_SERVICE,
          ),
        ),
        "cc",
      )
    ).text(),
  "cc-dpop": async (env, ctx, s) => {
    const dpop = s.proofs?.pop();
    if (!dpop) throw new Error("no DPoP proof left");
    const request = form(s.issuer, "/token", { grant_type: "client_credentials", scope: "weather" }, BASIC_SERVICE, {
      dpop,
    });
    void (await ok(await call(env, ctx, request), "cc-dpop")).text();
  },
  code: async (env, ctx, s) => {
    const query = new URLSearchParams({
      client_id: "demo",
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid profile email",
      state: "s",
      nonce: "n",
    });
    const res = await call(
      env,
      ctx,
      new Request(`${s.issuer}/authorize?${query.toString()}`, { headers: { cookie: s.cookie ?? "" } }),
    );
    const code = new URL(res.headers.get("location") ?? "", s.issuer).searchParams.get("code");
    if (!code) throw new Error(`authorize gave no code (${res.status})`);
    await (
      await ok(
        await call(
          env,
          ctx,
          form(s.issuer, "/token", { grant_type: "authorization_code", code, redirect_uri: REDIRECT }, BASIC_DEMO),
        ),
        "token",
      )
    ).text();
  },
  refresh: async (env, ctx, s) => {
    const res = await ok(
      await call(
        env,
        ctx,
        form(s.issuer, "/token", { grant_type: "refresh_token", refresh_token: s.refreshToken ?? "" }, BASIC_DEMO),
      ),
      "refresh",
    );
    const body: { refresh_token?: string; access_token?: string } = await res.json();
    s.refreshToken = body.refresh_token;
    s.accessToken = body.access_token;
  },
  userinfo: async (env, ctx, s) =>
    void (
      await ok(
        await call(
          env,
          ctx,
          new Request(`${s.issuer}/userinfo`, { headers: { authorization: `Bearer ${s.accessToken ?? ""}` } }),
        ),
        "userinfo",
      )
    ).text(),
  introspect: async (env, ctx, s) =>
    void (
      await ok(
        await call(env, ctx, form(s.issuer, "/introspect", { token: s.accessToken ?? "" }, BASIC_DEMO)),
        "introspect",
      )
    ).text(),
  revoke: async (env, ctx, s) => {
    const token = s.toRevoke?.pop();
    if (!token) throw new Error("no token left to revoke");
    await (await ok(await call(env, ctx, form(s.issuer, "/revoke", { token }, BASIC_DEMO)), "revoke")).text();
  },
  "signin-password": (env, ctx, s) => signIn(env, ctx, s, "password"),
  "signin-passkey": (env, ctx, s) => signIn(env, ctx, s, "passkey"),
};

/**
 * One sign-in: the login form posted, the credential checked, the session started (303 with the session cookie).
 * The response's body is read; the redirect it names is not followed.
 */
async function signIn(env: Env, ctx: ExecutionContext, s: LoopInput, kind: SignInKind): Promise<void> {
  // Oldest first, as made (a device-bound key's assertions would carry an increasing counter, WebAuthn L3 §6.1.1).
  const request = s.signIns?.shift();
  if (!request) throw new Error("no login form left to post");
  const res = await call(env, ctx, request);
  const body = await res.text();
  const cookies = res.headers.getSetCookie().join(" ");
  if (res.status !== 303 || !cookies.includes("eo_session="))
    throw new Error(`${kind} sign-in answered ${res.status} without a session: ${body.slice(0, 200)}`);
}

/** Distinct access tokens to revoke, from a refresh chain (not timed). */
async function tokensToRevoke(env: Env, ctx: ExecutionContext, state: LoopInput, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i <= n; i++) {
    await flows.refresh?.(env, ctx, state);
    if (state.accessToken) tokens.push(state.accessToken);
  }
  return tokens;
}

async function loop(
  env: Env,
  ctx: ExecutionContext,
  input: LoopInput,
): Promise<{ ms: number; kv: number; do: number }> {
  const flow = flows[input.flow];
  if (!flow) throw new Error(`unknown flow ${input.flow}`);
  const state = { ...input };
  const counted = countingEnv(env);
  if (input.flow === "revoke") state.toRevoke = await tokensToRevoke(env, ctx, state, input.n + 1);
  if (input.flow === "cc-dpop") state.proofs = await dpopProofs(env, ctx, state, input.n + 1);
  // A sign-in flow's inputs, and its warm-up, come from /__bench/prepare when the driver asked for them there.
  const prepared = preparedSignIns.get(input.flow);
  preparedSignIns.delete(input.flow);
  const kind = signInKind(input.flow);
  if (kind) state.signIns = (prepared ?? (await signInPosts(env, ctx, state, kind, input.n + 1))).map(postRequest);
  if (!prepared) await flow(counted, ctx, state); // warm: caches, keys, JIT
  const before = { ...counts };
  await tick();
  const started = performance.now();
  for (let i = 0; i < input.n; i++) await flow(counted, ctx, state);
  await tick();
  return { ms: performance.now() - started, kv: counts.kv - before.kv, do: counts.do - before.do };
}

/**
 * Fresh DPoP proofs (RFC 9449 §4.2) of one ES256 key, each with its own jti and the provider's current nonce (§8,
 * asked for once here): signing them is the client's work, so it happens before the timed block.
 */
async function dpopProofs(env: Env, ctx: ExecutionContext, state: LoopInput, n: number): Promise<string[]> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  const htu = `${state.issuer}/token`;
  const sign = (nonce: string | undefined) =>
    new SignJWT({ htm: "POST", htu, jti: crypto.randomUUID(), ...(nonce === undefined ? {} : { nonce }) })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
      .setIssuedAt()
      .sign(privateKey);
  const fields = { grant_type: "client_credentials", scope: "weather" };
  const probe = await call(
    env,
    ctx,
    form(state.issuer, "/token", fields, BASIC_SERVICE, { dpop: await sign(undefined) }),
  );
  await probe.text();
  const nonce = probe.headers.get("dpop-nonce") ?? undefined;
  return Promise.all(Array.from({ length: n }, () => sign(nonce)));
}

type SignInKind = "password" | "passkey";

/** A browser's form POST, as plain data. */
interface FormPost {
  url: string;
  cookie: string;
  body: string;
}

function postRequest(post: FormPost): Request {
  return new Request(post.url, {
    method: "POST",
    headers: {
      "content-type": FORM,
      "content-length": String(new TextEncoder().encode(post.body).length),
      ...(post.cookie ? { cookie: post.cookie } : {}),
    },
    body: post.body,
    redirect: "manual",
  });
}

/** Sign-ins made by POST /__bench/prepare for the next loop of their flow, so that the driver can time the loop alone. */
const preparedSignIns = new Map<string, FormPost[]>();

function signInKind(flow: string): SignInKind | undefined {
  return flow === "signin-password" ? "password" : flow === "signin-passkey" ? "passkey" : undefined;
}

/**
 * POST /__bench/prepare: the inputs of the next loop of a sign-in flow, and that round's warm-up (the first of the
 * n + 1 sign-ins made), so that the loop which follows holds the n timed sign-ins and nothing else.
 */
async function prepare(
  env: Env,
  ctx: ExecutionContext,
  input: LoopInput,
): Promise<{ prepared: number; firstMs: number }> {
  const kind = signInKind(input.flow);
  const flow = flows[input.flow];
  if (!kind || !flow) throw new Error(`nothing to prepare for ${input.flow}`);
  const [first, ...rest] = await signInPosts(env, ctx, input, kind, input.n + 1);
  if (!first) throw new Error("no sign-in prepared");
  const firstMs = await timed(() => flow(countingEnv(env), ctx, { ...input, signIns: [postRequest(first)] }));
  preparedSignIns.set(input.flow, rest);
  return { prepared: rest.length, firstMs };
}

/** A browser for the sign-in flows' preparation: a cookie jar in front of the app (never timed). */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly env: Env,
    private readonly ctx: ExecutionContext,
    private readonly issuer: string,
  ) {}

  /** A GET as this browser sends it (its cookies). */
  get(path: string): Request {
    const headers = new Headers();
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    return new Request(new URL(path, this.issuer), { headers, redirect: "manual" });
  }

  /** A form POST as a browser sends it (with Content-Length). */
  formRequest(path: string, fields: Record<string, string>): Request {
    return postRequest(this.formPost(path, fields));
  }

  /** The same POST as plain data, to be sent later (a Request belongs to the request that made it). */
  formPost(path: string, fields: Record<string, string>): FormPost {
    return {
      url: new URL(path, this.issuer).toString(),
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      body: new URLSearchParams(fields).toString(),
    };
  }

  async send(request: Request): Promise<Response> {
    const res = await call(this.env, this.ctx, request);
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  /** Follows same-origin redirects from `res`; answers the page at the end. */
  async follow(res: Response): Promise<string> {
    for (let i = 0; i < 8; i++) {
      const location = res.headers.get("location");
      if (!location) {
        const html = await res.text();
        if (res.status !== 200) throw new Error(`page answered ${res.status}: ${html.slice(0, 200)}`);
        return html;
      }
      await res.text();
      res = await this.send(this.get(location));
    }
    throw new Error("too many redirects");
  }
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    if (m[1] && m[2] !== undefined) fields[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  return fields;
}

/** The hidden fields of one form of the page, by its id; of its first form without one. */
function formFields(html: string, formId?: string): Record<string, string> {
  const start = formId === undefined ? html.indexOf("<form") : html.indexOf(`<form id="${formId}"`);
  if (start < 0) throw new Error(`no form ${formId ?? ""} on the page`);
  return hiddenFields(html.slice(start, html.indexOf("</form>", start)));
}

/** A JSON data block of the page (the WebAuthn options). */
function jsonBlock(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`).exec(html);
  if (!match?.[1]) throw new Error(`no ${id} on the page`);
  return JSON.parse(match[1]);
}

function challengeOf(options: unknown): string {
  const challenge: unknown = typeof options === "object" && options !== null ? Reflect.get(options, "challenge") : null;
  if (typeof challenge !== "string") throw new Error("WebAuthn options without a challenge");
  return challenge;
}

interface SignInUsers {
  password: { username: string; password: string };
  passkey: { authenticator: SoftAuthenticator };
}

let signInUsers: Promise<SignInUsers> | undefined;

/**
 * Two users of the built-in store, made once per isolate through the admin API: one signs in with a password,
 * the other holds a passkey, registered on the account page after a password sign-in (as a person would) and used
 * alone (discoverable). Two users, so that the password user has no second factor to be asked for.
 */
function benchUsers(env: Env, ctx: ExecutionContext, issuer: string): Promise<SignInUsers> {
  signInUsers ??= (async () => {
    const password = "bench-sign-in-password";
    const create = async (username: string) => {
      const res = await call(
        env,
        ctx,
        new Request(`${issuer}/admin/users`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.ADMIN_TOKEN ?? ""}`, "content-type": "application/json" },
          body: JSON.stringify({ username, password, claims: { name: "Bench User" } }),
        }),
      );
      if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${await res.text()}`);
      await res.text();
      return { username, password };
    };
    const suffix = crypto.randomUUID().slice(0, 8);
    const passwordUser = await create(`bench-password-${suffix}`);
    const passkeyUser = await create(`bench-passkey-${suffix}`);

    const browser = new Browser(env, ctx, issuer);
    const login = await browser.follow(await browser.send(browser.get("/account")));
    const account = await browser.follow(
      await browser.send(browser.formRequest("/login", { ...formFields(login), ...passkeyUser })),
    );
    const options = jsonBlock(account, "passkey-creation-options");
    const userId: unknown =
      typeof options === "object" && options !== null ? Reflect.get(Reflect.get(options, "user") ?? {}, "id") : null;
    if (typeof userId !== "string") throw new Error("passkey creation options without user.id");
    const authenticator = await SoftAuthenticator.create();
    const { origin, hostname } = new URL(issuer);
    // A synced passkey (iCloud Keychain, Google Password Manager), the common kind: backup-eligible, and its
    // signature counter always 0. A device-bound key's growing counter costs one more storage write per sign-in.
    const registration = await authenticator.register({
      challenge: challengeOf(options),
      userHandle: userId,
      origin,
      rpId: hostname,
      counter: 0,
    });
    const added = await browser.send(
      browser.formRequest("/account", {
        ...formFields(account, "passkey-create-form"),
        passkey_response: JSON.stringify(registration),
      }),
    );
    await added.text();
    const notice = new URL(added.headers.get("location") ?? "/", issuer).searchParams.get("notice");
    if (notice !== "done") throw new Error(`registering the passkey: ${added.status}, notice ${notice ?? "none"}`);
    return { password: passwordUser, passkey: { authenticator } };
  })();
  return signInUsers;
}

/**
 * The POST /login of `n` sign-ins, each from a new browser on a fresh login page (GET /authorize of the demo
 * client, then the login page it leads to): for a password, the login form with the username and password; for a
 * passkey, the passkey form with the software authenticator's assertion over the page's challenge (origin = the
 * issuer, RP ID = its host). Made before the timed block, posted in order.
 */
async function signInPosts(
  env: Env,
  ctx: ExecutionContext,
  state: LoopInput,
  kind: SignInKind,
  n: number,
): Promise<FormPost[]> {
  const users = await benchUsers(env, ctx, state.issuer);
  const { origin, hostname } = new URL(state.issuer);
  const query = new URLSearchParams({
    client_id: "demo",
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "openid",
    state: "s",
    nonce: "n",
  });
  const posts: FormPost[] = [];
  for (let i = 0; i < n; i++) {
    const browser = new Browser(env, ctx, state.issuer);
    const page = await browser.follow(await browser.send(browser.get(`/authorize?${query.toString()}`)));
    if (kind === "password") {
      posts.push(browser.formPost("/login", { ...formFields(page), ...users.password }));
      continue;
    }
    const assertion = await users.passkey.authenticator.assert({
      challenge: challengeOf(jsonBlock(page, "passkey-request-options")),
      origin,
      rpId: hostname,
      counter: 0,
    });
    posts.push(
      browser.formPost("/login", {
        ...formFields(page, "passkey-form"),
        passkey_response: JSON.stringify(assertion),
      }),
    );
  }
  return posts;
}

/**
 * For scale: the assertion's verification alone (WebAuthn L3 §7.2 through @simplewebauthn/server, an ES256
 * credential), µs per call; n fresh assertions of one credential, signed before the timing.
 */
async function passkeyVerification(n: number): Promise<number> {
  const relyingParty = { origin: "https://bench.example", rpId: "bench.example" };
  const challenge = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const authenticator = await SoftAuthenticator.create();
  const first = challenge();
  const registration = await authenticator.register({ challenge: first, userHandle: "bench", ...relyingParty });
  const registered = await verifyPasskeyRegistration(registration, { challenge: first, ...relyingParty });
  if (!registered.ok) throw new Error(`registration refused: ${registered.reason}`);
  const { id, publicKey, counter, deviceType } = registered.credential;
  const stored: StoredPasskey = { id, publicKey, counter, deviceType };
  const ceremonies: { expected: ExpectedCeremony; response: AuthenticationResponseJSON }[] = [];
  for (let i = 0; i <= n; i++) {
    const expected = { challenge: challenge(), ...relyingParty };
    ceremonies.push({ expected, response: await authenticator.assert(expected) });
  }
  const verify = async ({ expected, response }: (typeof ceremonies)[number]) => {
    const result = await verifyPasskeyAssertion(response, { ...expected, credential: stored });
    if (!result.ok) throw new Error(`assertion refused: ${result.reason}`);
    stored.counter = result.counter;
  };
  const [warm, ...timed] = ceremonies;
  if (warm) await verify(warm);
  await tick();
  const started = performance.now();
  for (const ceremony of timed) await verify(ceremony);
  await tick();
  return ((performance.now() - started) / n) * 1000;
}

const ALGS = ["ES256", "RS256", "PS256", "EdDSA"] as const;

/** Raw JWT signatures per algorithm, a token-sized payload, N each: the crypto limit of issuance. */
async function signatures(n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const alg of ALGS) {
    const { privateKey } = await generateKeyPair(alg);
    const payload = {
      iss: "https://issuer.test",
      sub: "demo-service",
      aud: "urn:edge-oidc:api:weather",
      scope: "weather",
      client_id: "demo-service",
    };
    const sign = () =>
      new SignJWT(payload)
        .setProtectedHeader({ alg, kid: "k", typ: "at+jwt" })
        .setIssuedAt()
        .setExpirationTime("1h")
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    await sign();
    await tick();
    const started = performance.now();
    for (let i = 0; i < n; i++) await sign();
    await tick();
    out[alg] = (performance.now() - started) / n;
  }
  return out;
}

export default {
  async fetch(request: Request, env: Env & ProbeEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/__bench/counters") return Response.json({ ...counts, ...storageCounts });
      // The runtime's floor: workerd answering a trivial request, without the app.
      if (url.pathname === "/__bench/floor") {
        // A form POST's floor reads its body, as every provider's handler must.
        if (request.method === "POST") await request.arrayBuffer();
        return new Response("ok");
      }
      if (url.pathname === "/__bench/loop") return Response.json(await loop(env, ctx, await request.json<LoopInput>()));
      if (url.pathname === "/__bench/prepare")
        return Response.json(await prepare(env, ctx, await request.json<LoopInput>()));
      if (url.pathname === "/__bench/sign")
        return Response.json(await signatures(Number(url.searchParams.get("n") ?? "300")));
      if (url.pathname === "/__bench/passkey-verify")
        return Response.json({ micros: await passkeyVerification(Number(url.searchParams.get("n") ?? "300")) });
      if (url.pathname === "/__bench/storage")
        return Response.json(await storageCosts(env, Number(url.searchParams.get("n") ?? "100")));
    } catch (err) {
      return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 500 });
    }
    return app.fetch(request, countingEnv(env), ctx);
  },
} satisfies ExportedHandler<Env & ProbeEnv>;
