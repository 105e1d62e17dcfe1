// Token revocation (RFC 7009).
import { Hono } from "hono";
import { authenticateClient } from "../clients/authentication";
import type { AppEnv } from "../env";
import { audit } from "../lib/audit";
import { invalidRequest, unauthorizedClient } from "../errors";
import { allowClientOrigin, clientCors } from "../http/cors";
import { noStore } from "../http/no-store";
import { formParams } from "../http/params";
import { revokeToken } from "../tokens/resolve";

export const revoke = new Hono<AppEnv>();

// Browser apps of the client (src/http/cors.ts): a public SPA revokes its tokens at sign-out.
revoke.use(clientCors(["POST"]));
revoke.use(noStore);

revoke.post("/", async (c) => {
  const params = await formParams(c);
  const client = await authenticateClient(c.env, c.req.header("authorization"), params, "revoke", (found) =>
    allowClientOrigin(c, found),
  );
  if (!params.token) throw invalidRequest("token is required");
  // token_type_hint is only a hint (§2.1): every kind of token is looked up whatever it says.
  const outcome = await revokeToken(c.env, params.token, client.client_id);
  // §2.1: a token issued to another client is refused; §2.2: an invalid or unknown token still answers 200.
  if (outcome === "wrong_client") throw unauthorizedClient("the token was not issued to this client");
  if (outcome === "revoked") audit({ event: "token.revoked", clientId: client.client_id, outcome });
  return c.body(null, 200);
});
