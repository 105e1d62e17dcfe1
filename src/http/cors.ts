// CORS (Fetch standard §3.2) for browser-based apps (draft-ietf-oauth-browser-based-apps), the one place for the
// policy. Discovery and the JWK Set are public documents: any origin (publicCors). The token, PAR, userinfo and
// revocation endpoints answer an origin registered for the client the request concerns (clientCors, with
// allowClientOrigin called by the route once it knows the client). No other endpoint mounts either, so the pages,
// introspection, registration and the admin API never answer CORS, preflight or otherwise. No endpoint here reads
// cookies, so Access-Control-Allow-Credentials is never sent.
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { corsOriginAllowed } from "../clients/cors-origins";
import type { Client } from "../clients/schema";
import type { AppEnv } from "../env";

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 3600;

/** Request headers an app sends: Basic or Bearer credentials, a form or JSON body, and DPoP proofs (RFC 9449). */
const ALLOW_HEADERS = ["Authorization", "Content-Type", "DPoP"];

/**
 * Response headers an app must read beyond the CORS-safelisted ones: the Bearer and DPoP challenges (RFC 6750 §3,
 * RFC 9449 §7.1) and the DPoP server nonce (RFC 9449 §8).
 */
const EXPOSE_HEADERS = ["WWW-Authenticate", "DPoP-Nonce"];

/** Public, credential-free documents: `Access-Control-Allow-Origin: *` to every origin, preflight included. */
export function publicCors(): MiddlewareHandler<AppEnv> {
  const preflight = cors({ origin: "*", allowMethods: ["GET"], maxAge: PREFLIGHT_MAX_AGE_SECONDS });
  return createMiddleware<AppEnv>(async function publicCors(c, next) {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    // Set on the route's own response: hono/cors sets headers before the route runs, which makes Hono build a
    // placeholder response and copy its headers over (~40 µs per request in workerd, measured on discovery).
    await next();
    c.res.headers.set("Access-Control-Allow-Origin", "*");
  });
}

/**
 * Client-bound endpoints. A preflight carries neither body nor credentials (Fetch §3.2.2), so the client is not
 * known then: it is answered for any origin, with the methods and headers the endpoint accepts, and the policy is
 * enforced on the actual response, which names the origin only if it is registered for the client. This is what
 * node-oidc-provider does (lib/shared/cors.js: a preflight is always allowed, the client is checked when it is
 * assigned). Refusing preflights would need an index of every client's origins and protect nothing: a non-browser
 * caller sends what it likes anyway, and no ambient credential (cookie) is ever involved.
 *
 * An origin that is not allowed still gets the endpoint's normal answer, without CORS headers: the browser keeps it
 * from the page. Every answer carries `Vary: Origin` since its headers depend on that request header (Fetch
 * §3.2.5, CORS protocol and HTTP caches).
 */
export function clientCors(methods: readonly ("GET" | "POST")[]): MiddlewareHandler<AppEnv> {
  const preflight = cors({
    origin: (origin) => origin || null,
    allowMethods: [...methods],
    allowHeaders: ALLOW_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return createMiddleware<AppEnv>(async function clientCors(c, next) {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    await next();
    // After the route, errors included: the error handler has built c.res by now.
    c.res.headers.append("Vary", "Origin");
    const origin = c.get("corsOrigin");
    if (origin === undefined) return;
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS.join(", "));
  });
}

/**
 * Called by a route as soon as it knows the client (before anything that may fail for it), so that its errors too
 * reach the app: the request's Origin is remembered when it is one of that client's.
 */
export function allowClientOrigin(c: Context<AppEnv>, client: Client): void {
  const origin = c.req.header("origin");
  if (origin !== undefined && corsOriginAllowed(client, origin)) c.set("corsOrigin", origin);
}
