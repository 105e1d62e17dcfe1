// requireAccessToken: Hono middleware that lets a request through only with a valid access token carrying
// the required scopes (a bearer token, or a DPoP-bound one with its proof, as `dpop.mode` allows), and puts the
// verified claims on the context as `accessToken`.
import type { Context, Env, MiddlewareHandler } from "hono";
import { answer } from "./challenge";
import type { AccessTokenClaims } from "./claims";
import { AccessTokenError } from "./errors";
import type { VerifyAccessTokenOptions } from "./options";
import { resolveOptions } from "./options-cache";
import { dpopNonce, verifyRequest } from "./verify";

export interface RequireAccessTokenOptions extends VerifyAccessTokenOptions {
  /** The realm in WWW-Authenticate challenges (RFC 6750 §3), e.g. the API's name. */
  realm?: string;
}

/** Add to your app's Variables: `new Hono<{ Bindings: ...; Variables: AccessTokenVariables }>()`. */
export interface AccessTokenVariables {
  accessToken: AccessTokenClaims;
}

/** Your app's Hono environment, plus the verified claims on the context. */
export type WithAccessToken<E extends Env> = E & { Variables: AccessTokenVariables };

/**
 * Options are an object, or a function of the request context for values that live in `c.env` (the issuer,
 * a service binding, the introspection secret). A new object per request costs what one shared object does:
 * options are validated once per isolate for each distinct set of values (options-cache.ts).
 */
export function requireAccessToken<E extends Env = Env>(
  options: RequireAccessTokenOptions | ((c: Context<WithAccessToken<E>>) => RequireAccessTokenOptions),
): MiddlewareHandler<WithAccessToken<E>> {
  return async function requireAccessToken(c, next) {
    const opts = typeof options === "function" ? options(c) : options;
    let claims: AccessTokenClaims;
    try {
      // The Request itself: a DPoP proof is checked against its method and full URL (RFC 9449 §4.3).
      claims = await verifyRequest(c.req.raw, opts);
    } catch (err) {
      if (!(err instanceof AccessTokenError)) throw err;
      if (err.status === 503) console.error("edge-oidc/resource:", err.message, err.cause);
      return answer(err, opts.realm, resolveOptions(opts).dpop);
    }
    c.set("accessToken", claims);
    await next();
    // RFC 9449 §9: with nonces, every answer to a DPoP request gives out the current one.
    if (claims.jkt !== undefined) {
      const nonce = await dpopNonce(opts);
      if (nonce !== undefined) c.header("DPoP-Nonce", nonce);
    }
    return undefined;
  };
}
