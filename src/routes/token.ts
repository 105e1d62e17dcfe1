// Token endpoint (RFC 6749 §3.2): POST only, client authentication, then the grant's handler.
import { Hono } from "hono";
import { authenticateClient } from "../clients/authentication";
import type { AppEnv } from "../env";
import { invalidDpopProof, invalidRequest, unauthorizedClient, unsupportedGrantType } from "../errors";
import { grants } from "../grants";
import { allowClientOrigin, clientCors } from "../http/cors";
import { dpopNonce } from "../http/dpop-nonce";
import { formParams, sourceAddress } from "../http/params";
import { noStore } from "../http/no-store";
import { pendingDpopProof, refuseAsJson } from "../tokens/dpop";

export const token = new Hono<AppEnv>();

// Browser apps of the client (src/http/cors.ts); the client is known once authentication has read its record.
token.use(clientCors(["POST"]));
// RFC 6749 §5.1: "Cache-Control: no-store" on any response carrying tokens.
token.use(noStore);
// RFC 9449 §8: the current DPoP nonce on every answer, while nonces are on.
token.use(dpopNonce);

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
  // After client authentication, so that a browser app (CORS) can read a use_dpop_nonce answer. Its jti is spent by
  // the grant's handler once the grant's own cheap checks pass: no Durable Object work for a request refused anyway.
  const dpop = await pendingDpopProof(c.env, c.req.raw, "token", refuseAsJson);
  // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens gets sender-constrained tokens only.
  if (!dpop && client.dpop_bound_access_tokens)
    throw invalidDpopProof("this client's token requests need a DPoP proof");
  const body = await handler.handle({ env: c.env, client, params, source: sourceAddress(c), dpop });
  // RFC 9449 §11.1: a proof is used once; no answer goes out for a proof whose jti was not recorded.
  if (dpop && !dpop.spent) throw new Error(`grant ${grantType} issued tokens without spending the DPoP proof`);
  return c.json(body);
});
