// RFC 9449 §8.2: the authorization server "MAY supply a new nonce value ... in the DPoP-Nonce HTTP header" of any
// response. The token endpoint sends the current one on every answer to a request with a proof while nonces are on,
// so a DPoP client always holds a nonce for its next proof and is asked for a fresh one at most once per rotation
// step. Requests without a proof (bearer clients) get no nonce: they have no use for one.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { currentDpopNonce } from "../tokens/dpop";

export const dpopNonce = createMiddleware<AppEnv>(async function dpopNonce(c, next) {
  await next();
  if (c.req.header("dpop") === undefined) return;
  const nonce = await currentDpopNonce(c.env);
  if (nonce !== undefined) c.res.headers.set("DPoP-Nonce", nonce);
});
