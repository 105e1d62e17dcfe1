// Dynamic Client Registration (RFC 7591) at POST /register, behind an initial access token (the ADMIN_TOKEN
// bearer: open registration is not offered), and client management (RFC 7592) at GET/PUT/DELETE
// /register/:client_id with the registration access token issued at registration. Only the SHA-256 of that
// token is stored. Every response is Cache-Control: no-store (it carries secrets or tokens).
import { Hono, type Context } from "hono";
import { clientFromMetadata, registeredMetadata } from "../clients/metadata";
import { deleteClient, findClient, saveClient } from "../clients/registry";
import type { Client } from "../clients/schema";
import type { AppEnv, Env } from "../env";
import { audit } from "../lib/audit";
import { invalidClientMetadata, invalidToken } from "../errors";
import { bearerFromHeader } from "../http/bearer";
import { noStore } from "../http/no-store";
import { jsonObjectBody } from "../http/params";
import { randomToken, sha256Base64url, timingSafeEqualStrings } from "../lib/crypto";

export const register = new Hono<AppEnv>();

/** RFC 7592 §2.2: "The client MUST NOT include" these (they are the server's, in its responses). */
const SERVER_ONLY_FIELDS = [
  "registration_access_token",
  "registration_client_uri",
  "client_secret_expires_at",
  "client_id_issued_at",
];

register.use(noStore);

/** RFC 7591 §3.1: register a client; §3.2.1: 201 with its metadata, client_id and (if any) client_secret. */
register.post("/", async (c) => {
  await requireInitialAccessToken(c.env, c.req.header("authorization"));
  const { client, secret } = await clientFromMetadata(c.env, await jsonBody(c), { admin: false });
  const registrationAccessToken = randomToken(32);
  const saved = await saveClient(c.env, {
    ...client,
    registration_access_token_hash: await sha256Base64url(registrationAccessToken),
  });
  audit({ event: "client.created", clientId: saved.client_id, by: "self" });
  return c.json(clientInformation(c.env, saved, registrationAccessToken, secret), 201);
});

/** RFC 7592 §2.1: read the client's current registration. */
register.get("/:client_id", async (c) => {
  const { client, token } = await managedClient(c.env, c.req.header("authorization"), c.req.param("client_id"));
  return c.json(clientInformation(c.env, client, token, undefined));
});

/** RFC 7592 §2.2: replace the client's metadata ("Omitted fields MUST be treated as null or empty values"). */
register.put("/:client_id", async (c) => {
  const { client: existing, token } = await managedClient(
    c.env,
    c.req.header("authorization"),
    c.req.param("client_id"),
  );
  const metadata = updateRequest(await jsonBody(c));
  const { client, secret } = await clientFromMetadata(c.env, metadata, { admin: false, existing });
  const saved = await saveClient(c.env, client);
  audit({ event: "client.updated", clientId: saved.client_id, by: "self" });
  return c.json(clientInformation(c.env, saved, token, secret));
});

/** RFC 7592 §2.3: deprovision the client: 204, and its credentials stop working. */
register.delete("/:client_id", async (c) => {
  const { client } = await managedClient(c.env, c.req.header("authorization"), c.req.param("client_id"));
  await deleteClient(c.env, client.client_id);
  audit({ event: "client.deleted", clientId: client.client_id, by: "self" });
  return c.body(null, 204);
});

/** RFC 7591 §3.2.1 client information response, plus the RFC 7592 §3 management fields. */
function clientInformation(env: Env, client: Client, registrationAccessToken: string, secret: string | undefined) {
  return {
    ...registeredMetadata(client),
    ...(secret === undefined ? {} : { client_secret: secret }),
    // Echoed from the request on read and update (only its hash is stored): the token does not change.
    registration_access_token: registrationAccessToken,
    registration_client_uri: `${env.ISSUER}/register/${encodeURIComponent(client.client_id)}`,
  };
}

/** RFC 7591 §3: the initial access token is an OAuth 2.0 bearer token (RFC 6750); here the ADMIN_TOKEN. */
async function requireInitialAccessToken(env: Env, authorization: string | undefined): Promise<void> {
  const token = bearerFromHeader(authorization);
  // Without a configured ADMIN_TOKEN registration is closed.
  if (token === undefined || !env.ADMIN_TOKEN || !(await timingSafeEqualStrings(token, env.ADMIN_TOKEN))) {
    throw invalidToken("a valid initial access token is required");
  }
}

/**
 * RFC 7592 §2: the registration access token authorises management of its own client only. A missing or
 * wrong token and an unknown client all answer the same 401 invalid_token (RFC 6750 §3.1), so nothing tells
 * whether a client exists ("If the client does not exist on this server, the server MUST respond with HTTP 401").
 */
async function managedClient(
  env: Env,
  authorization: string | undefined,
  clientId: string,
): Promise<{ client: Client; token: string }> {
  const token = bearerFromHeader(authorization);
  const client = token === undefined ? null : await findClient(env, clientId, { fresh: true });
  const presentedHash = await sha256Base64url(token ?? "");
  const expected = client?.registration_access_token_hash ?? "";
  const matches = await timingSafeEqualStrings(presentedHash, expected);
  if (token === undefined || client === null || expected === "" || !matches) {
    throw invalidToken("invalid registration access token");
  }
  return { client, token };
}

/** RFC 7592 §2.2: the update carries the client_id and none of the server-only fields. */
function updateRequest(body: Record<string, unknown>): Record<string, unknown> {
  // "The client MUST include its client_id field in the request" (its value is checked by clientFromMetadata).
  if (body.client_id === undefined) throw invalidClientMetadata("client_id is required in an update");
  const serverField = SERVER_ONLY_FIELDS.find((name) => name in body);
  if (serverField !== undefined) throw invalidClientMetadata(`${serverField} must not be sent in an update`);
  return body;
}

/** RFC 7591 §3.1: the request is an application/json object. */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw invalidClientMetadata("the request body must be application/json");
  // The app-wide body limit (src/index.ts) already bounds the size.
  const body = await jsonObjectBody(c);
  if (!body.ok) throw invalidClientMetadata(body.problem);
  return body.object;
}
