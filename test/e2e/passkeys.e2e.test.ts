// Passkeys and the second factor in real headless Chromium (test/e2e/chromium.ts; never a downloaded browser), with
// Chromium's DevTools virtual authenticator (a platform authenticator: CTAP2, internal transport, resident keys, user
// verification) instead of a person and a device. One user, made through the admin API, goes through the passkey's
// life: added on /account (a), signs in to `demo` with the "Sign in with a passkey" button (b) and to `demo-spa`
// through the autofill request (c), then the passkey is removed and stops working (d). Each test has its own
// browser context and its own authenticator, holding the passkey the test before it left (WebAuthn.addCredential).
// Then screenshots of the passkey and second-factor pages (UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/).
//
// What this browser does, and why the tests are shaped so:
// - This file starts its own provider with the issuer http://localhost:<port>, not the tier's 127.0.0.1 one:
//   Chromium refuses WebAuthn on an IP-address origin (SecurityError "This is an invalid domain";
//   content/browser/webauth/webauth_request_security_checker.cc answers INVALID_DOMAIN when the caller's host is an
//   IP address), and the RP ID is the issuer's host (src/users/passkeys.ts).
// - The bundled browser is the headless shell, which has no autofill or WebAuthn UI: it uses the content layer's
//   default AuthenticatorRequestClientDelegate, whose EmbedderControlsAuthenticatorDispatch() is false, so every
//   request, a conditional one (mediation "conditional", the autofill of the username field) included, goes straight
//   to the authenticators. Full Chrome's ChromeAuthenticatorRequestDelegate holds a conditional request for its
//   autofill list instead. So here a conditional request is answered as soon as the page makes it, by a passkey of
//   the virtual authenticator when "user presence" is simulated (no focus or click on the field is needed, and none
//   would change anything), and it fails at once (NotAllowedError) when the authenticator holds no passkey for the
//   site; with presence simulation off it waits, as it waits in a real browser until the person picks a passkey.
//   The tests turn presence off while a login page is only being looked at, and on just before the click that
//   starts a ceremony (the button, "Add a passkey", "Use a passkey").
// - So (c) covers the page's conditional request end to end (feature detection, the request with mediation
//   "conditional", no allowCredentials, an AbortSignal, the form posted with its answer, the provider accepting
//   it), but not the browser's own part: the passkey listed under the username field and chosen there.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Locator,
  type Page,
  type Route,
} from "playwright-core";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode } from "../../src/lib/base32";
import { findChromium } from "./chromium";
import { startWorkers, type RunningWorkers } from "./wrangler-dev";

const CLIENT_ORIGIN = "http://localhost:3000";
const DEMO_REDIRECT = `${CLIENT_ORIGIN}/callback`;
const SPA_REDIRECT = `${CLIENT_ORIGIN}/spa/callback`;
const ADMIN_TOKEN = "dev-admin-token";
const ACR_MFA = "urn:edge-oidc:acr:mfa";
const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const DESKTOP = { width: 1280, height: 800 };
/** How long a page may take to show what a test waits for (expect.poll's own default is one second). */
const WAIT = { timeout: 15_000 };

/** A platform authenticator that holds passkeys and verifies its user (Chrome DevTools Protocol, WebAuthn domain). */
const AUTHENTICATOR = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
} as const;

/** One call of navigator.credentials.get/create on the page, as the init script of `open` reports it. */
const CredentialCall = v.object({
  /** Unique to the call (the script runs afresh in each document). */
  id: v.string(),
  method: v.picklist(["get", "create"]),
  /** The options' mediation, null when none (a modal request). */
  mediation: v.nullable(v.string()),
  allowCredentials: v.number(),
  signal: v.boolean(),
  /** "pending" until it settles; then "resolved" or the error's name. */
  outcome: v.string(),
});
type CredentialCall = v.InferOutput<typeof CredentialCall>;

declare global {
  interface Window {
    __e2eCredentialCall?: (report: string) => Promise<void>;
  }
}

interface Harness {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  /** Every credentials.get/create call the pages of this tab made, in order. */
  calls: CredentialCall[];
  /** How many assertions the authenticator signed (WebAuthn.credentialAsserted). */
  asserted: () => number;
  /** The first request the browser sent to the client's origin (a redirect_uri). */
  callback: Promise<URL>;
  /** Whether any request reached the client's origin yet. */
  reachedClient: () => boolean;
  /** How many requests reached the client's origin. */
  clientRequests: () => number;
}

const User = v.object({ sub: v.string(), username: v.string() });
const Discovery = v.object({ issuer: v.string(), token_endpoint: v.string(), jwks_uri: v.string() });
const TokenResponse = v.object({ id_token: v.string(), access_token: v.string(), token_type: v.string() });
const Factors = v.object({
  totp: v.boolean(),
  recoveryCodesLeft: v.number(),
  passkeys: v.array(v.object({ id: v.string(), name: v.string(), synced: v.boolean() })),
});

interface TestUser {
  sub: string;
  username: string;
  password: string;
}

let workers: RunningWorkers | undefined;
let browser: Browser | undefined;
let issuer = "";

beforeAll(async () => {
  workers = await startWorkers({ weather: false, issuerHost: "localhost" });
  issuer = workers.issuer;
  const found = await findChromium();
  browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
});

afterAll(async () => {
  await browser?.close();
  await workers?.stop();
});

async function adminFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, issuer), {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
  });
}

/** A new user with a password only (a name of its own, so a rerun against the same store cannot collide). */
async function createUser(prefix: string): Promise<TestUser> {
  const username = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const password = `pw-${crypto.randomUUID()}`;
  const res = await adminFetch("/admin/users", {
    method: "POST",
    body: JSON.stringify({ username, password, claims: { name: `Pat ${prefix}`, email: `${username}@example.com` } }),
  });
  expect(res.status).toBe(201);
  const user = v.parse(User, await res.json());
  return { sub: user.sub, username: user.username, password };
}

async function factorsOf(user: TestUser) {
  const res = await adminFetch(`/admin/users/${encodeURIComponent(user.sub)}/factors`);
  expect(res.status).toBe(200);
  return v.parse(Factors, await res.json());
}

/**
 * A new browser context and tab with a virtual authenticator (holding `credential`, if given), whose requests to the
 * client's origin the test answers and records, and whose credentials.get/create calls are reported to the test.
 */
async function open(credential?: VirtualCredential, locale = "en-US"): Promise<Harness> {
  if (!browser) throw new Error("Chromium did not start");
  const context = await browser.newContext({ viewport: DESKTOP, locale, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  const calls: CredentialCall[] = [];
  await page.exposeFunction("__e2eCredentialCall", (report: string) => {
    const call = v.parse(CredentialCall, JSON.parse(report));
    const known = calls.find((c) => c.id === call.id);
    if (known) known.outcome = call.outcome;
    else calls.push(call);
  });
  // Wraps the page's credentials.get/create (before any page script runs) to report each call and how it ended.
  await page.addInitScript(() => {
    const container = navigator.credentials;
    const wrap = (method: "get" | "create") => {
      const original = container[method].bind(container);
      container[method] = (options?: CredentialRequestOptions & CredentialCreationOptions) => {
        const id = crypto.randomUUID();
        const report = (outcome: string) =>
          void window.__e2eCredentialCall?.(
            JSON.stringify({
              id,
              method,
              mediation: options?.mediation ?? null,
              allowCredentials:
                (options?.publicKey as PublicKeyCredentialRequestOptions | undefined)?.allowCredentials?.length ?? 0,
              signal: options?.signal !== undefined,
              outcome,
            }),
          );
        report("pending");
        return original(options).then(
          (credential) => {
            report("resolved");
            return credential;
          },
          (err: unknown) => {
            report(err instanceof DOMException ? err.name : "error");
            throw err;
          },
        );
      };
    };
    wrap("get");
    wrap("create");
  });

  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: AUTHENTICATOR });
  if (credential) await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
  let asserted = 0;
  cdp.on("WebAuthn.credentialAsserted", () => asserted++);

  // Nothing listens on the client's origin: answer the callback and remember it. Some Chromium builds (the bundled
  // one) do not route a redirected navigation, so the request itself is recorded either way.
  let reached = 0;
  let resolveCallback: (url: URL) => void = () => {};
  const callback = new Promise<URL>((r) => (resolveCallback = r));
  page.on("request", (request) => {
    if (request.url().startsWith(`${CLIENT_ORIGIN}/`)) {
      reached++;
      resolveCallback(new URL(request.url()));
    }
  });
  await page.route(`${CLIENT_ORIGIN}/**`, (route: Route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>callback</title>" }),
  );
  return {
    context,
    page,
    cdp,
    authenticatorId,
    calls,
    asserted: () => asserted,
    callback,
    reachedClient: () => reached > 0,
    clientRequests: () => reached,
  };
}

/** User presence: off, a request waits (as for a person who has not chosen yet); on, it is given at once. */
async function presence(h: Harness, enabled: boolean): Promise<void> {
  await h.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: h.authenticatorId, enabled });
}

async function credentialsIn(h: Harness) {
  return (await h.cdp.send("WebAuthn.getCredentials", { authenticatorId: h.authenticatorId })).credentials;
}
type VirtualCredential = Awaited<ReturnType<typeof credentialsIn>>[number];

/** An element's text, trimmed (waiting for the element to exist). */
const textOf = async (locator: Locator) => (await locator.textContent())?.trim();

/** A credential id as the provider and the page write it (base64url), from the protocol's base64. */
const base64url = (base64: string) => Buffer.from(base64, "base64").toString("base64url");

/**
 * Waits until the page has made its conditional (autofill) request, the only credentials call since the first
 * `since` (a page that was left keeps its calls "pending" here), and checks that it is still waiting.
 */
async function conditionalPending(h: Harness, since: number): Promise<CredentialCall> {
  await expect.poll(() => h.calls.length - since, WAIT).toBe(1);
  const call = h.calls[since];
  if (!call) throw new Error("no credentials call");
  expect(call).toMatchObject({ method: "get", mediation: "conditional", allowCredentials: 0, outcome: "pending" });
  return call;
}

async function signInWithPassword(page: Page, user: TestUser): Promise<void> {
  await page.fill("#username", user.username);
  await page.fill("#password", user.password);
  await page.click("button[name=decision][value=login]");
}

/** Allows on the consent page if one is shown; answers the callback URL. */
async function allowAndReachClient(h: Harness): Promise<URL> {
  const allow = h.page.locator("button[name=decision][value=allow]");
  const next = await Promise.race([
    h.callback.then(() => "callback" as const),
    allow.waitFor({ state: "visible" }).then(
      () => "consent" as const,
      () => "neither" as const,
    ),
  ]);
  if (next === "neither") throw new Error(`neither the consent page nor the callback (at ${h.page.url()})`);
  if (next === "consent") await allow.click();
  return h.callback;
}

/** /account, signed in with the password (a user with no second factor yet, so no second step). */
async function accountWithPassword(h: Harness, user: TestUser): Promise<void> {
  await presence(h, false);
  await h.page.goto(`${issuer}/account`);
  await h.page.waitForSelector("#username");
  await signInWithPassword(h.page, user);
  await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Your account");
}

const passkeyItems = (page: Page) =>
  page.locator("ul.items > li", { has: page.locator("input[name=action][value=passkey_remove]") });

/** The "Sign out" of this browser's own session (the other sessions' buttons say "Sign out" too). */
async function signOutHere(page: Page): Promise<void> {
  const form = page.locator("form", { has: page.locator("input[name=action][value=sign_out]") });
  await form.getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => textOf(page.locator("h1")), WAIT).toBe("You have signed out");
}

async function discovery() {
  const res = await fetch(new URL("/.well-known/openid-configuration", issuer));
  return v.parse(Discovery, await res.json());
}

function authorizationUrl(params: Record<string, string>): string {
  const url = new URL("/authorize", issuer);
  for (const [name, value] of Object.entries({ response_type: "code", scope: "openid", ...params })) {
    url.searchParams.set(name, value);
  }
  return url.href;
}

/** Redeems a code at the token endpoint; answers the ID token's verified claims (signature checked on the JWKS). */
async function redeem(
  code: string,
  client: { id: string; secret?: string; redirectUri: string; codeVerifier?: string },
  nonce: string,
): Promise<JWTPayload> {
  const meta = await discovery();
  expect(meta.issuer).toBe(issuer);
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: client.redirectUri });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (client.secret === undefined) body.set("client_id", client.id);
  else headers.authorization = `Basic ${btoa(`${client.id}:${client.secret}`)}`;
  if (client.codeVerifier !== undefined) body.set("code_verifier", client.codeVerifier);
  const res = await fetch(meta.token_endpoint, { method: "POST", headers, body });
  expect(res.status, await res.clone().text()).toBe(200);
  const tokens = v.parse(TokenResponse, await res.json());
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(meta.jwks_uri)), {
    issuer,
    audience: client.id,
  });
  expect(payload.nonce).toBe(nonce);
  return payload;
}

/** The amr and acr a passkey with user verification alone must give (RFC 8176 §2; docs/sign-in.md). */
function expectPasskeyClaims(claims: JWTPayload, credential: VirtualCredential): void {
  const amr = v.parse(v.array(v.string()), claims.amr);
  expect(amr).toContain("user");
  expect(amr).toContain("mfa");
  // The virtual authenticator's keys are not backup eligible: a device-bound key, "hwk", never "swk".
  expect(credential.backupEligibility ?? false).toBe(false);
  expect(amr).toContain("hwk");
  expect(amr).not.toContain("swk");
  expect(amr).not.toContain("pwd");
  expect(claims.acr).toBe(ACR_MFA);
}

describe("passkeys in headless Chromium with a virtual authenticator", () => {
  let user: TestUser | undefined;
  /** The passkey as the last test's authenticator left it (its signature counter moves on with each use). */
  let passkey: VirtualCredential | undefined;

  const need = () => {
    if (!user || !passkey) throw new Error("the passkey was not added (see the first test)");
    return { user, passkey };
  };

  /**
   * Keeps the passkey as this test's authenticator leaves it, passed or failed, then closes the context: the provider
   * refuses a signature counter that does not increase (WebAuthn L3 §6.1.1), so a stale copy would make the next
   * test fail for this one's reason.
   */
  async function keepPasskey(h: Harness): Promise<void> {
    try {
      passkey = (await credentialsIn(h))[0] ?? passkey;
    } finally {
      await h.context.close();
    }
  }

  it("a: a new user adds a passkey on /account; it is listed and in the authenticator; then signs out", async () => {
    user = await createUser("passkey");
    const h = await open();
    try {
      await accountWithPassword(h, user);
      await expect.poll(() => h.page.getByText("No passkeys yet.").isVisible(), WAIT).toBe(true);
      expect(await passkeyItems(h.page).count()).toBe(0);
      const creation = v.parse(
        v.object({ user: v.object({ id: v.string(), name: v.string() }), rp: v.object({ id: v.string() }) }),
        JSON.parse((await h.page.textContent("#passkey-creation-options")) ?? ""),
      );
      expect(creation.rp.id).toBe("localhost");
      expect(creation.user.name).toBe(user.username);

      await presence(h, true);
      await h.page.getByRole("button", { name: "Add a passkey" }).click();
      await expect.poll(() => textOf(h.page.getByRole("status")), WAIT).toBe("Done.");
      expect(new URL(h.page.url()).searchParams.get("notice")).toBe("done");

      // The login page's autofill request was left waiting; the browser made one passkey, and the authenticator
      // holds it: discoverable, for this site and this user.
      expect(h.calls.map((c) => [c.method, c.mediation, c.outcome])).toEqual([
        ["get", "conditional", "pending"],
        ["create", null, "resolved"],
      ]);
      const held = await credentialsIn(h);
      expect(held).toHaveLength(1);
      const [credential] = held;
      if (!credential) throw new Error("no credential");
      expect(credential.isResidentCredential).toBe(true);
      expect(credential.rpId).toBe("localhost");
      expect(base64url(credential.userHandle ?? "")).toBe(creation.user.id);

      // The page lists it (one item, named after this browser's system and today), with its id on the remove form.
      const items = passkeyItems(h.page);
      await expect.poll(() => items.count(), WAIT).toBe(1);
      await expect.poll(() => textOf(items.first().locator("strong")), WAIT).toMatch(/^Linux \d{4}-\d{2}-\d{2}$/);
      expect(await textOf(items.first())).toContain("never used");
      const listedId = await items.first().locator("input[name=id]").first().getAttribute("value");
      expect(listedId).toBe(base64url(credential.credentialId));
      await expect.poll(() => h.page.getByText("No passkeys yet.").count(), WAIT).toBe(0);
      // And the provider has it on the user's record.
      expect((await factorsOf(user)).passkeys.map((p) => p.id)).toEqual([listedId]);
      passkey = credential;

      await signOutHere(h.page);
      // The session is over: /account asks for a sign-in again (presence off: the autofill request must not sign
      // the browser straight back in with the new passkey).
      await presence(h, false);
      await h.page.goto(`${issuer}/account`);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Sign in");
      // The passkey was made, never used: its first assertion is the next test's.
      expect(h.asserted()).toBe(0);
    } finally {
      await h.context.close();
    }
  });

  it("b: signs in to demo with the passkey button, no username typed; the ID token says passkey and mfa", async () => {
    const { user, passkey: credential } = need();
    const h = await open(credential);
    try {
      const nonce = crypto.randomUUID();
      const state = crypto.randomUUID();
      await presence(h, false);
      await h.page.goto(
        authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, scope: "openid profile", state, nonce }),
      );
      // The page has started its autofill request, which waits for the person.
      const autofill = await conditionalPending(h, 0);
      expect(autofill.signal).toBe(true);
      expect(await h.page.locator("#username").inputValue()).toBe("");

      await presence(h, true);
      await h.page.getByRole("button", { name: "Sign in with a passkey" }).click();
      const url = await allowAndReachClient(h);

      // The click ended the autofill request and made a modal one for any passkey of the site (no allowCredentials),
      // which the authenticator answered once.
      expect(h.calls.map((c) => [c.mediation, c.allowCredentials, c.outcome])).toEqual([
        ["conditional", 0, "AbortError"],
        [null, 0, "resolved"],
      ]);
      expect(h.asserted()).toBe(1);

      expect(url.origin + url.pathname).toBe(DEMO_REDIRECT);
      expect(url.searchParams.get("state")).toBe(state);
      expect(url.searchParams.get("iss")).toBe(issuer);
      const code = url.searchParams.get("code");
      if (!code) throw new Error(`no code in ${url.href}`);
      const claims = await redeem(code, { id: "demo", secret: "demo-secret", redirectUri: DEMO_REDIRECT }, nonce);
      expect(claims.sub).toBe(user.sub);
      expectPasskeyClaims(claims, credential);

      expect((await credentialsIn(h))[0]?.signCount).toBeGreaterThan(credential.signCount);
    } finally {
      await keepPasskey(h);
    }
  });

  it("c: signs in to demo-spa (PKCE S256, no secret) through the page's conditional (autofill) request", async () => {
    // Covered: the login page's own conditional request (mediation "conditional", no allowCredentials), answered
    // with no click at all, the form posted with its answer, the provider's sign-in, PKCE. Not covered: Chrome's
    // autofill list under the username field, which the headless shell does not have (see the top of this file):
    // here the request reaches the authenticator directly, so focusing or clicking the field is not needed.
    const { user, passkey: credential } = need();
    const h = await open(credential);
    try {
      const nonce = crypto.randomUUID();
      const state = crypto.randomUUID();
      const codeVerifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
      const codeChallenge = Buffer.from(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier)),
      ).toString("base64url");
      // Presence is simulated from the start: the autofill request is answered as soon as it is made.
      await h.page.goto(
        authorizationUrl({
          client_id: "demo-spa",
          redirect_uri: SPA_REDIRECT,
          state,
          nonce,
          code_challenge: codeChallenge,
          code_challenge_method: "S256",
        }),
      );
      const url = await allowAndReachClient(h);

      // One request only, the conditional one, and it is what signed the person in (the button was never used).
      expect(h.calls.map((c) => [c.method, c.mediation, c.allowCredentials, c.signal, c.outcome])).toEqual([
        ["get", "conditional", 0, true, "resolved"],
      ]);
      expect(h.asserted()).toBe(1);

      expect(url.origin + url.pathname).toBe(SPA_REDIRECT);
      expect(url.searchParams.get("state")).toBe(state);
      const code = url.searchParams.get("code");
      if (!code) throw new Error(`no code in ${url.href}`);
      const claims = await redeem(code, { id: "demo-spa", redirectUri: SPA_REDIRECT, codeVerifier }, nonce);
      expect(claims.sub).toBe(user.sub);
      expectPasskeyClaims(claims, credential);
    } finally {
      await keepPasskey(h);
    }
  });

  it("d: once removed on /account, the passkey is refused on the login page and no code is issued", async () => {
    const { user, passkey: credential } = need();
    const h = await open(credential);
    try {
      // Holding a passkey does not make the password need a second step: straight to the account page.
      await presence(h, false);
      await h.page.goto(`${issuer}/account`);
      await signInWithPassword(h.page, user);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Your account");
      // Asked for two factors (acr_values), the password session is stepped up with "Use a passkey" (only this
      // user's, listed).
      await h.page.goto(
        authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, acr_values: "urn:edge-oidc:acr:mfa" }),
      );
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Confirm it's you");
      const allow = v.parse(
        v.object({ allowCredentials: v.array(v.object({ id: v.string() })) }),
        JSON.parse((await h.page.textContent("#passkey-request-options")) ?? ""),
      );
      expect(allow.allowCredentials.map((c) => c.id)).toEqual([base64url(credential.credentialId)]);
      await presence(h, true);
      await h.page.getByRole("button", { name: "Use a passkey" }).click();
      await allowAndReachClient(h);
      await presence(h, false);
      // The bundled Chromium turns the callback's redirect into an error page: let that navigation end first.
      await expect.poll(() => h.page.url().startsWith(issuer), WAIT).toBe(false);
      await h.page.waitForLoadState("load");
      await h.page.goto(`${issuer}/account`);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Your account");

      const items = passkeyItems(h.page);
      await expect.poll(() => items.count(), WAIT).toBe(1);
      await items.first().getByRole("button", { name: "Remove" }).click();
      await expect.poll(() => textOf(h.page.getByRole("status")), WAIT).toBe("Done.");
      await expect.poll(() => passkeyItems(h.page).count(), WAIT).toBe(0);
      await expect.poll(() => h.page.getByText("No passkeys yet.").isVisible(), WAIT).toBe(true);
      expect((await factorsOf(user)).passkeys).toEqual([]);
      await signOutHere(h.page);

      // The authenticator still holds it: the browser offers it, and the provider must refuse it.
      expect(await credentialsIn(h)).toHaveLength(1);
      await presence(h, false);
      // The refusal is the login page again, whose autofill request must then wait: presence goes off before the
      // passkey's form reaches the provider (the request itself is not changed).
      await h.page.route(`${issuer}/login`, async (route) => {
        if (route.request().method() === "POST") await presence(h, false);
        await route.continue();
      });
      const beforeLogin = h.calls.length;
      const clientRequestsBefore = h.clientRequests();
      await h.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, nonce: "n", state: "s" }));
      await conditionalPending(h, beforeLogin);
      const assertedBefore = h.asserted();
      await presence(h, true);
      await h.page.getByRole("button", { name: "Sign in with a passkey" }).click();

      await expect
        .poll(() => textOf(h.page.locator("#login-error")), WAIT)
        .toBe("That passkey could not be used. Try again, or use another way to sign in.");
      expect(h.asserted()).toBe(assertedBefore + 1);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Sign in");
      expect(new URL(h.page.url()).origin).toBe(issuer);
      // The refused page is a login page again, its autofill request waiting; nothing went to the client.
      await conditionalPending(h, beforeLogin + 2);
      expect(h.calls.slice(beforeLogin).map((c) => [c.mediation, c.outcome])).toEqual([
        ["conditional", "AbortError"],
        [null, "resolved"],
        ["conditional", "pending"],
      ]);
      expect(h.clientRequests()).toBe(clientRequestsBefore);
    } finally {
      await h.context.close();
    }
  });
});

/** RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps from 0), computed here apart from the provider's own code. */
async function totp(secret: Uint8Array<ArrayBuffer>, unixSeconds: number): Promise<string> {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(Math.floor(unixSeconds / 30)));
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = (mac[19] ?? 0) & 0xf;
  return String((new DataView(mac.buffer).getUint32(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

describe("passkey and second-factor pages: screenshots", () => {
  let outDir = "";

  beforeAll(async () => {
    outDir =
      process.env.UPDATE_SCREENSHOTS === "1"
        ? join(REPO_ROOT, "docs", "screenshots")
        : await mkdtemp(join(tmpdir(), "edge-oidc-screenshots-"));
    await mkdir(outDir, { recursive: true });
  });

  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: join(outDir, `${name}-desktop.png`), fullPage: true });

  it("the login page with its passkey button", async () => {
    const h = await open();
    try {
      // As a browser shows it while its autofill request waits (no passkey error on the page).
      await presence(h, false);
      await h.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, state: "s" }));
      await conditionalPending(h, 0);
      await expect
        .poll(() => h.page.getByRole("button", { name: "Sign in with a passkey" }).isVisible(), WAIT)
        .toBe(true);
      expect(await h.page.locator("#passkey-error").isHidden()).toBe(true);
      await shoot(h.page, "login-passkey");
    } finally {
      await h.context.close();
    }
  });

  it("the account page: a passkey, the authenticator app's set-up, the recovery codes; then the second step", async () => {
    // The RFC 6238 Appendix B vector (SHA-1, T = 59 s: 94287082, of which the last 6 digits).
    expect(await totp(new TextEncoder().encode("12345678901234567890"), 59)).toBe("287082");
    const user = await createUser("factors");
    const h = await open();
    try {
      await accountWithPassword(h, user);
      await presence(h, true);
      await h.page.getByRole("button", { name: "Add a passkey" }).click();
      await expect.poll(() => passkeyItems(h.page).count(), WAIT).toBe(1);
      // The password form's username field (for password managers) carries `hidden`, which the page's own
      // `input{display:block}` must not undo.
      expect(await h.page.locator("input[name=username][autocomplete=username]").isHidden()).toBe(true);
      await shoot(h.page, "account-passkey");

      await h.page.getByRole("button", { name: "Set up an authenticator app" }).click();
      const qr = h.page.locator(".qr svg");
      await expect.poll(() => qr.isVisible(), WAIT).toBe(true);
      const shown = (await h.page.textContent(".secret")) ?? "";
      expect(shown).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
      await shoot(h.page, "account-app-setup");

      const decoded = base32Decode(shown);
      if (!decoded) throw new Error(`not base32: ${shown}`);
      const secret = new Uint8Array(decoded);
      await h.page.fill("#totp_code", await totp(secret, Date.now() / 1000));
      await h.page.getByRole("button", { name: "Turn on" }).click();
      const codes = h.page.locator("ol.codes > li");
      await expect.poll(() => codes.first().isVisible(), WAIT).toBe(true);
      expect(await codes.count()).toBeGreaterThanOrEqual(8);
      await expect.poll(() => h.page.getByText("They are shown only now.").isVisible(), WAIT).toBe(true);
      await shoot(h.page, "account-recovery-codes");
      const factors = await factorsOf(user);
      expect(factors.totp).toBe(true);
      expect(factors.recoveryCodesLeft).toBe(await codes.count());
      await signOutHere(h.page);

      // The password, then the second step: the app's code, a passkey, or a recovery code.
      const nonce = crypto.randomUUID();
      await presence(h, false);
      await h.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, state: "s", nonce }));
      await signInWithPassword(h.page, user);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Confirm it's you");
      expect(new URL(h.page.url()).searchParams.get("step")).toBe("mfa");
      expect(await h.page.locator("input[name=code]").evaluate((element) => element === document.activeElement)).toBe(
        true,
      );
      await expect.poll(() => h.page.getByRole("button", { name: "Use a passkey" }).isVisible(), WAIT).toBe(true);
      await expect.poll(() => h.page.getByText("Use a recovery code").isVisible(), WAIT).toBe(true);
      await shoot(h.page, "second-factor");

      // The code of the next step: the one the app showed at set-up was used, and only a later step is accepted.
      await h.page.fill("input[name=code]", await totp(secret, Date.now() / 1000 + 30));
      await h.page.click("button[name=decision][value=totp]");
      const url = await allowAndReachClient(h);
      const code = url.searchParams.get("code");
      if (!code) throw new Error(`no code in ${url.href}`);
      const claims = await redeem(code, { id: "demo", secret: "demo-secret", redirectUri: DEMO_REDIRECT }, nonce);
      expect(claims.sub).toBe(user.sub);
      expect(v.parse(v.array(v.string()), claims.amr)).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
      expect(claims.acr).toBe(ACR_MFA);
    } finally {
      await h.context.close();
    }
  });

  it("the offer of a passkey after a password, in English and German; the German login, account and second step", async () => {
    // English: a password sign-in for demo, in a browser whose platform authenticator can make a passkey.
    const english = await open();
    try {
      const user = await createUser("offer");
      await presence(english, false);
      await english.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, state: "s" }));
      // The page's script says, with the password, that this device can make a passkey.
      await english.page.waitForSelector("input[name=passkey_capable]", { state: "attached" });
      await signInWithPassword(english.page, user);
      await expect.poll(() => textOf(english.page.locator("h1")), WAIT).toBe("Sign in faster next time");
      await expect.poll(() => english.page.getByRole("button", { name: "Not now" }).isVisible(), WAIT).toBe(true);
      await shoot(english.page, "passkey-offer");
    } finally {
      await english.context.close();
    }

    // German, start to end: the login page, the offer (a passkey added), the account page with the app set up, then
    // the second step.
    const user = await createUser("deutsch");
    const h = await open(undefined, "de-DE");
    try {
      await presence(h, false);
      await h.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, state: "s" }));
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Anmelden");
      await expect
        .poll(() => h.page.getByRole("button", { name: "Mit einem Passkey anmelden" }).isVisible(), WAIT)
        .toBe(true);
      await shoot(h.page, "login-passkey-de");
      await h.page.waitForSelector("input[name=passkey_capable]", { state: "attached" });
      await signInWithPassword(h.page, user);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Nächstes Mal schneller anmelden");
      await shoot(h.page, "passkey-offer-de");
      await presence(h, true);
      await h.page.getByRole("button", { name: "Passkey hinzufügen" }).click();
      await allowAndReachClient(h);
      await presence(h, false);
      await expect.poll(() => h.page.url().startsWith(issuer), WAIT).toBe(false);
      await h.page.waitForLoadState("load");
      expect((await factorsOf(user)).passkeys).toHaveLength(1);

      await h.page.goto(`${issuer}/account`);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Ihr Konto");
      await h.page.getByRole("button", { name: "Authenticator-App einrichten" }).click();
      const shown = (await h.page.textContent(".secret")) ?? "";
      const decoded = base32Decode(shown);
      if (!decoded) throw new Error(`not base32: ${shown}`);
      const secret = new Uint8Array(decoded);
      await h.page.fill("#totp_code", await totp(secret, Date.now() / 1000));
      await h.page.getByRole("button", { name: "Einschalten" }).click();
      await expect.poll(() => h.page.locator("ol.codes > li").count(), WAIT).toBe(10);
      await h.page.goto(`${issuer}/account`);
      await expect.poll(() => textOf(h.page.locator("h2#passkeys")), WAIT).toBe("Passkeys");
      await shoot(h.page, "account-de");
      await h.page
        .locator("form", { has: h.page.locator("input[name=action][value=sign_out]") })
        .getByRole("button")
        .click();
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Sie haben sich abgemeldet");

      await h.page.goto(authorizationUrl({ client_id: "demo", redirect_uri: DEMO_REDIRECT, state: "s" }));
      await signInWithPassword(h.page, user);
      await expect.poll(() => textOf(h.page.locator("h1")), WAIT).toBe("Bestätigen Sie, dass Sie es sind");
      await expect.poll(() => h.page.getByRole("button", { name: "Passkey verwenden" }).isVisible(), WAIT).toBe(true);
      await shoot(h.page, "second-factor-de");
    } finally {
      await h.context.close();
    }
  });
});
