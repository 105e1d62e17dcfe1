// Pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at the token endpoint and posts
// the authorization request, which is validated as /authorize would (errors as RFC 6749 §5.2 JSON, §2.3) and stored
// for one use (src/authorization/pushed.ts); the answer is its request_uri. docs/par-and-jar.md.
import { Hono } from "hono";
import { intakeRequest } from "../authorization/intake";
import { pushRequest } from "../authorization/pushed";
import { authenticateClient } from "../clients/authentication";
import type { AppEnv } from "../env";
import { invalidRequest, requestRefused } from "../errors";
import { dpopNonce } from "../http/dpop-nonce";
import { allowClientOrigin, clientCors } from "../http/cors";
import { errorJson } from "../http/errors";
import { formParams } from "../http/params";
import { noStore } from "../http/no-store";
import { pendingDpopProof, refuseAsJson } from "../tokens/dpop";

export const par = new Hono<AppEnv>();

// Browser apps of the client may push (src/http/cors.ts), as they may call /token.
par.use(clientCors(["POST"]));
// RFC 9126 §2.2 and §2.3: responses are not cached.
par.use(noStore);
// RFC 9449 §8: the current DPoP nonce on answers to pushes that carry a proof.
par.use(dpopNonce);

par.post("/", async (c) => {
  const form = await formParams(c);
  // RFC 9126 §2: client authentication as at the token endpoint; the issuer is an accepted assertion audience.
  const client = await authenticateClient(c.env, c.req.header("authorization"), form, "par", (found) =>
    allowClientOrigin(c, found),
  );
  // RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided."
  if (form.request_uri !== undefined) throw invalidRequest("request_uri must not be sent to the PAR endpoint");
  // Checked before a request object's jti is spent: after a use_dpop_nonce answer the client retries with the same
  // object. The proof's own jti is spent once the request is valid: a refused push makes no call for it.
  const proof = await pendingDpopProof(c.env, c.req.raw, "par", refuseAsJson);
  // RFC 9126 §2.1: the same validation as at the authorization endpoint, errors included (here all as JSON, §2.3).
  const intake = await intakeRequest(c.env, client, form, { channel: "par", dpopJkt: proof?.jkt });
  if (!intake.ok) throw intake.error;
  await proof?.spend();
  const pushed = await pushRequest(c.env, intake.request);
  // RFC 9126 §2.2: 201 Created with request_uri and expires_in.
  return c.json(pushed, 201);
});

// RFC 9126 §2.3: "If the request did not use the POST method, the authorization server responds with an HTTP 405".
par.all("/", () => {
  const res = errorJson(requestRefused(405, "the PAR endpoint accepts POST only"));
  res.headers.set("Allow", "POST");
  return res;
});
