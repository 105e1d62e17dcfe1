// The benchmark's Worker (started and reported by scripts/bench.mjs). It verifies one RS256 access token in
// blocks of N, five ways, alternating, and times each block itself (no HTTP round trip in the measurement):
//   hand-rolled  a Hono route behind a hand-written middleware calling jose.jwtVerify with a local key
//   middleware   the same route behind requireAccessToken (warm cache)
//   raw          jose.jwtVerify with a local key, no HTTP handling
//   verify       verifyAccessToken (warm cache), no HTTP handling
//   hono         the route with no authentication at all, for scale
// Its stand-in issuer counts every request it receives, so the driver can check a warm verifier makes none.
import { Hono } from "hono";
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from "jose";
import {
  requireAccessToken,
  verifyAccessToken,
  type AccessTokenVariables,
  type FetcherLike,
  type VerifyAccessTokenOptions,
} from "edge-oidc/resource";

const ISSUER = "https://bench-issuer.test";
const AUDIENCE = "urn:edge-oidc:api:weather";

interface Setup {
  token: string;
  publicKey: CryptoKey;
  options: VerifyAccessTokenOptions;
  app: Hono<{ Variables: AccessTokenVariables }>;
  /** The same app without the middleware: what Hono itself costs. */
  bare: Hono;
  /** The same route behind a hand-written middleware calling jose.jwtVerify with a local key. */
  handRolled: Hono;
  request: Request;
}

let fetches = 0;
let setup: Promise<Setup> | undefined;

async function prepare(): Promise<Setup> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "bench-key";
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  // The issuer, as a service binding would reach it: discovery and the JWKS, each counted.
  const issuer: FetcherLike = {
    async fetch(input) {
      fetches++;
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const headers = { "cache-control": "public, max-age=300" };
      if (url.pathname === "/.well-known/openid-configuration") {
        return Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }, { headers });
      }
      return Response.json(jwks, { headers });
    },
  };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ client_id: "demo-service", scope: "weather", jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setSubject("demo-service")
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  const options = { issuer: ISSUER, audience: AUDIENCE, scopes: ["weather"], fetcher: issuer };
  const app = new Hono<{ Variables: AccessTokenVariables }>();
  app.use(requireAccessToken(options));
  app.get("/current", (c) => c.text(c.get("accessToken").client_id ?? ""));
  const bare = new Hono();
  bare.get("/current", (c) => c.text("demo-service"));
  const handRolled = new Hono();
  handRolled.use(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    await jwtVerify(header.slice(7), publicKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "at+jwt",
      algorithms: ["RS256"],
    });
    await next();
  });
  handRolled.get("/current", (c) => c.text("demo-service"));
  const request = new Request("https://weather.test/current?zipcode=90210", {
    headers: { authorization: `Bearer ${token}` },
  });
  return { token, publicKey, options, app, bare, handRolled, request };
}

const MODES = ["hand-rolled", "middleware", "raw", "verify", "hono"] as const;
type Mode = (typeof MODES)[number];

async function run(mode: Mode, n: number): Promise<void> {
  const { token, publicKey, options, app, bare, handRolled, request } = await (setup ??= prepare());
  if (mode === "middleware" || mode === "hono" || mode === "hand-rolled") {
    const target = mode === "middleware" ? app : mode === "hono" ? bare : handRolled;
    for (let i = 0; i < n; i++) {
      const res = await target.fetch(request);
      if (res.status !== 200) throw new Error(`${mode} answered ${res.status}`);
    }
  } else if (mode === "verify") {
    for (let i = 0; i < n; i++) await verifyAccessToken(token, options);
  } else {
    for (let i = 0; i < n; i++) {
      await jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", algorithms: ["RS256"] });
    }
  }
}

/** Lets the runtime's clock catch up (in production Workers it only moves on I/O; a timer is enough). */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs `rounds` rounds of `n` verifications per mode, alternating the order, and times each block. */
async function bench(
  n: number,
  rounds: number,
): Promise<{ ms: Record<Mode, number[]>; fetchesWhileMeasuring: number }> {
  for (const mode of MODES) await run(mode, Math.min(n, 500)); // warm up: JWKS fetch, key import, JIT
  const before = fetches;
  const ms: Record<Mode, number[]> = { "hand-rolled": [], middleware: [], raw: [], verify: [], hono: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
      await tick();
      const started = performance.now();
      await run(mode, n);
      await tick();
      ms[mode].push(performance.now() - started);
    }
  }
  return { ms, fetchesWhileMeasuring: fetches - before };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    try {
      return Response.json(
        await bench(Number(url.searchParams.get("n") ?? "2000"), Number(url.searchParams.get("rounds") ?? "15")),
      );
    } catch (err) {
      return Response.json({ error: String(err) }, { status: 500 });
    }
  },
};
