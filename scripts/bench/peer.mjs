// The comparison peer for the benchmark: panva's oidc-provider (the OpenID-certified Node provider, a
// devDependency) set up like our demo data (src/demo/seed.ts): the same clients, users, scopes and claims,
// ES256 JWT access tokens for urn:edge-oidc:api:weather and RS256 ones for urn:edge-oidc:api:bench-rs256.
//
//   node --import tsx scripts/bench/peer.mjs --port <P> [--redis redis://127.0.0.1:<R>]
//   (port 0 picks a free port; tsx loads our config and users)
//
// Listens on 127.0.0.1 only, prints exactly one line `READY http://127.0.0.1:<port>` to stdout, then runs until
// killed. Nothing else goes to stdout (oidc-provider's notices are sent to stderr), nothing is logged per request.
// Storage: with --redis, a Redis adapter (scripts/bench/redis-store.mjs), as oidc-provider runs in production;
// without, its in-memory adapter, its LRU enlarged from 1,000 entries to 1,000,000: the default would silently
// drop live tokens during a run (making introspection and revocation of them cheaper than a real store), while a
// real deployment keeps every live token in its database.
//
// Login: oidc-provider's devInteractions render the login and consent forms. devInteractions would take the
// login field as the account id and ignore the password, so a small middleware handles the login form's POST
// instead: it maps the username to the user's sub and compares the password in plain text (no PBKDF2, unlike our
// provider: the benchmark does not time the login). The consent form is devInteractions' own.
//
// Refresh tokens: oidc-provider drops offline_access from an authorization request without prompt=consent
// (OIDC Core 11). Our provider has no such rule, so here a refresh token is issued (and the code/tokens are not
// bound to the session) when the client has the refresh_token grant and offline_access was requested or has
// been consented to in the grant, so a silent re-authorization after one prompt=consent flow also gets one.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { parse as parseQuery } from "node:querystring";
import { parseArgs } from "node:util";
import Provider, { errors } from "oidc-provider";
import { config } from "../../src/config.ts";
import { demoUsers } from "../../src/demo/users.ts";
import { setStorage } from "oidc-provider/lib/adapters/memory_adapter.js";
import LRU from "oidc-provider/lib/helpers/lru.js";
import Redis from "ioredis";
import { redisAdapter } from "./redis-store.mjs";

// oidc-provider prints its notices with console.info (stdout); stdout is reserved for the READY line.
console.info = console.log = (...args) => console.error(...args);

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, redis: { type: "string" } } });
const adapter = values.redis ? redisAdapter(new Redis(values.redis)) : undefined;
if (!adapter) setStorage(new LRU({ maxSize: 1_000_000 }));
const requestedPort = Number(values.port);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  console.error(`invalid --port ${values.port}`);
  process.exit(2);
}

const WEATHER_API = "urn:edge-oidc:api:weather";
const RS256_API = "urn:edge-oidc:api:bench-rs256";
const ALL_SCOPES = config.scopes.join(" ");
const REDIRECTS = ["http://localhost:3000/callback", "http://127.0.0.1:3000/callback"];

// The same users and claims as our demo seed (src/demo/users.ts); each password is the username.
const USERS = new Map(
  demoUsers.map((user) => [user.username, { sub: user.sub, password: user.username, claims: user.claims }]),
);
const USERS_BY_SUB = new Map([...USERS.values()].map((user) => [user.sub, user]));

/** A private signing JWK, generated at startup. */
function signingJwk(kid, alg) {
  const { privateKey } =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { ...privateKey.export({ format: "jwk" }), kid, use: "sig", alg };
}

/** offline_access requested now, or consented to earlier in the grant (see the header). */
function offlineAccess(ctx, source) {
  if (source.scopes.has("offline_access")) return true;
  const grant = ctx.oidc.entities.Grant;
  return !!grant && grant.getOIDCScope().split(" ").includes("offline_access");
}

const resourceServers = {
  [WEATHER_API]: {
    scope: "weather",
    audience: WEATHER_API,
    accessTokenFormat: "jwt",
    accessTokenTTL: 3600,
    jwt: { sign: { alg: "ES256" } },
  },
  [RS256_API]: {
    scope: "weather",
    audience: RS256_API,
    accessTokenFormat: "jwt",
    accessTokenTTL: 3600,
    jwt: { sign: { alg: "RS256" } },
  },
};

// Listen first (port 0 is allowed), so that the issuer can name the actual port.
const server = createServer();
server.keepAliveTimeout = 65_000;
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(requestedPort, "127.0.0.1", resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  ...(adapter ? { adapter } : {}),
  jwks: { keys: [signingJwk("bench-rs256", "RS256"), signingJwk("bench-es256", "ES256")] },
  cookies: { keys: ["edge-oidc-bench-cookie-key-1", "edge-oidc-bench-cookie-key-2"] },
  scopes: ALL_SCOPES.split(" "),
  claims: { openid: ["sub"], ...config.scopeClaims },
  clients: [
    {
      client_id: "demo",
      client_secret: "demo-secret",
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: REDIRECTS,
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      response_types: ["code"],
      scope: ALL_SCOPES,
      id_token_signed_response_alg: "RS256",
    },
    {
      client_id: "demo-service",
      client_secret: "demo-service-secret",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      scope: "weather",
    },
    {
      // The weather API as a resource server: it authenticates to introspect tokens and obtains none.
      client_id: "weather-api",
      client_secret: "weather-api-secret",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: [],
      redirect_uris: [],
      response_types: [],
    },
  ],
  async findAccount(_ctx, sub) {
    const user = USERS_BY_SUB.get(sub);
    if (!user) return undefined;
    return { accountId: user.sub, claims: async () => ({ sub: user.sub, ...user.claims }) };
  },
  features: {
    devInteractions: { enabled: true },
    // RFC 9449 as we run it by default: proofs must carry the server's current nonce (§8).
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource: a client_credentials request for the weather scope means the weather API; anything else
      // (the code and refresh flows) keeps oidc-provider's default (an opaque access token for userinfo).
      async defaultResource(ctx, _client, oneOf) {
        if (oneOf) return oneOf;
        if (
          ctx.oidc.route === "token" &&
          ctx.oidc.params.grant_type === "client_credentials" &&
          ctx.oidc.requestParamScopes.has("weather")
        ) {
          return WEATHER_API;
        }
        return undefined;
      },
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, resourceIndicator) {
        const info = resourceServers[resourceIndicator];
        if (!info) throw new errors.InvalidTarget();
        return info;
      },
    },
  },
  pkce: { required: () => false },
  issueRefreshToken: async (ctx, client, source) =>
    client.grantTypeAllowed("refresh_token") && offlineAccess(ctx, source),
  expiresWithSession: async (ctx, source) => !offlineAccess(ctx, source),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    IdToken: 3600,
    RefreshToken: 30 * 24 * 3600,
    AuthorizationCode: 60,
    Grant: 30 * 24 * 3600,
    Session: 14 * 24 * 3600,
    Interaction: 3600,
  },
});

// The login form's POST (see the header): username -> sub, plain password comparison. Everything else, the
// consent form's POST included, goes to oidc-provider (devInteractions).
provider.use(async (ctx, next) => {
  if (ctx.method !== "POST" || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  // Without a valid interaction, devInteractions answers with oidc-provider's own error page.
  const interaction = await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
  if (interaction?.prompt.name !== "login") return next();
  let raw = "";
  for await (const chunk of ctx.req) raw += chunk;
  const body = parseQuery(raw);
  const user = typeof body.login === "string" ? USERS.get(body.login) : undefined;
  if (!user || body.password !== user.password) {
    ctx.status = 401;
    ctx.type = "text/plain";
    ctx.body = "invalid username or password";
    return;
  }
  ctx.respond = false;
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: user.sub } },
    { mergeWithLastSubmission: false },
  );
});

// The runtime's floors for the benchmark: Node's HTTP server answering a trivial GET, or a form POST whose body it
// reads, before oidc-provider.
const handle = provider.callback();
server.on("request", (req, res) => {
  if (req.url === "/__bench/floor") {
    // A form POST's floor reads its body, as every provider's handler must.
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
    return;
  }
  handle(req, res);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)).closeAllConnections());
process.on("SIGINT", () => process.exit(0));
process.stdout.write(`READY ${issuer}\n`);
