// Token endpoint (RFC 6749 §3.2): POST only, client authentication, then the grant's handler.
import { Hono } from "hono";
import { authenticateClient } from "../clients/authentication";
import type { AppEnv } from "../env";
import { invalidRequest, unauthorizedClient, unsupportedGrantType } from "../errors";
import { grants } from "../grants";
import { allowClientOrigin, clientCors } from "../http/cors";
import { formParams, sourceAddress } from "../http/params";
import { noStore } from "../http/no-store";

export const token = new Hono<AppEnv>();

// Browser apps of the client (src/http/cors.ts); the client is known once authentication has read its record.
token.use(clientCors(["POST"]));
// RFC 6749 §5.1: "Cache-Control: no-store" on any response carrying tokens.
token.use(noStore);

token.post("/", async (c) => {
  const params = await formParams(c);
  const client = await authenticateClient(c.env, c.req.header("authorization"), params, "token", (found) =>
    allowClientOrigin(c, found),
  );
  const grantType = params.grant_type;
  if (!grantType) throw invalidRequest("grant_type is required");
  const handler = grants.get(grantType);
  if (!handler) throw unsupportedGrantType(`grant_type ${grantType} is not supported`);
  // RFC 6749 §5.2 unauthorized_client: "not authorized to use this authorization grant type".
  if (!client.grant_types.some((allowed) => allowed === grantType)) {
    throw unauthorizedClient(`the client may not use grant_type ${grantType}`);
  }
  const body = await handler.handle({ env: c.env, client, params, source: sourceAddress(c) });
  return c.json(body);
});
