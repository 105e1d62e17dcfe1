// Demo data for local development only (the README's demo data table). Runs only where DEMO_SEED is "true"
// (wrangler.toml
// [env.dev]); the production configuration never sets it. Idempotent: a marker key says it is done.
import type { MiddlewareHandler } from "hono";
import { saveClient } from "../clients/registry";
import type { ClientInput } from "../clients/schema";
import type { AppEnv, Env } from "../env";
import { sha256Base64url } from "../lib/crypto";
import { kv } from "../storage";
import { demoUsers } from "./users";
import { hashPassword } from "../users/password";
import { saveUser, type UserInput } from "../users/store";

const MARKER = kv.demoSeedMarker;
const ALL_SCOPES = "openid profile email address phone offline_access weather";
const REDIRECTS = ["http://localhost:3000/callback", "http://127.0.0.1:3000/callback"];
const POST_LOGOUT_REDIRECTS = ["http://localhost:3000/", "http://127.0.0.1:3000/"];
const WEB_GRANTS: ClientInput["grant_types"] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "password",
];

let seeded: Promise<void> | undefined;

export function demoSeed(): MiddlewareHandler<AppEnv> {
  return async function demoSeed(c, next) {
    if (c.env.DEMO_SEED === "true") {
      seeded ??= seedDemoData(c.env).catch((err: unknown) => {
        seeded = undefined;
        throw err;
      });
      await seeded;
    }
    await next();
  };
}

export async function seedDemoData(env: Env): Promise<void> {
  if ((await env.USERS.get(MARKER)) !== null) return;
  const secret = await sha256Base64url("demo-secret");
  const clients: ClientInput[] = [
    webClient("demo", "Demo web app", "client_secret_basic", secret),
    webClient("demo-post", "Demo web app (post)", "client_secret_post", secret),
    {
      v: 1,
      client_id: "demo-spa",
      client_name: "Demo single-page app",
      token_endpoint_auth_method: "none",
      // `npm run example:spa` (examples/spa): sign-in, silent renew through an iframe, and sign-out.
      redirect_uris: ["http://localhost:3000/spa/callback", "http://localhost:3000/spa/silent"],
      post_logout_redirect_uris: ["http://localhost:3000/spa/signed-out"],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      scope: ALL_SCOPES,
      id_token_signed_response_alg: "RS256",
      skip_consent: false,
    },
    serviceClient("demo-service", "Demo service", await sha256Base64url("demo-service-secret"), "jwt"),
    // The same service, with access tokens by reference (opaque; APIs resolve them through introspection).
    serviceClient(
      "demo-service-ref",
      "Demo service (opaque tokens)",
      await sha256Base64url("demo-service-secret"),
      "opaque",
    ),
    {
      // The weather API as a resource server: it authenticates to introspect tokens and obtains none.
      v: 1,
      client_id: "weather-api",
      client_name: "Weather API",
      client_secret_hash: await sha256Base64url("weather-api-secret"),
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      scope: "",
      resource_server: "urn:edge-oidc:api:weather",
    },
  ];
  await Promise.all(clients.map((client) => saveClient(env, client)));
  for (const user of demoUsers) await saveUser(env, await demoUser(user.username, user.sub, user.claims));
  await env.USERS.put(MARKER, new Date().toISOString());
}

function serviceClient(id: string, name: string, secretHash: string, format: "jwt" | "opaque"): ClientInput {
  return {
    v: 1,
    client_id: id,
    client_name: name,
    client_secret_hash: secretHash,
    token_endpoint_auth_method: "client_secret_basic",
    redirect_uris: [],
    grant_types: ["client_credentials"],
    response_types: [],
    scope: "weather",
    access_token_format: format,
  };
}

function webClient(
  id: string,
  name: string,
  method: ClientInput["token_endpoint_auth_method"],
  secretHash: string,
): ClientInput {
  return {
    v: 1,
    client_id: id,
    client_name: name,
    client_secret_hash: secretHash,
    token_endpoint_auth_method: method,
    redirect_uris: REDIRECTS,
    post_logout_redirect_uris: POST_LOGOUT_REDIRECTS,
    grant_types: WEB_GRANTS,
    response_types: ["code"],
    scope: ALL_SCOPES,
    id_token_signed_response_alg: "RS256",
    skip_consent: false,
  };
}

async function demoUser(username: string, sub: string, claims: Record<string, unknown>): Promise<UserInput> {
  return { v: 1, sub, username, password: await hashPassword(username), claims };
}
