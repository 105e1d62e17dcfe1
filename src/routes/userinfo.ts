// UserInfo endpoint (OIDC Core §5.3): GET and POST, access tokens of either format, as bearer tokens (RFC 6750) or
// DPoP-bound tokens with a proof (RFC 9449 §7). The sub is the one the token's client sees (public or pairwise);
// the body is JSON or, as the client registered, a signed and/or encrypted JWT (src/tokens/userinfo-response.ts).
import { Hono, type Context } from "hono";
import { findClient } from "../clients/registry";
import { config } from "../config";
import type { AppEnv } from "../env";
import {
  MissingBearerToken,
  dpopChallenge,
  dpopResourceError,
  insufficientScope,
  invalidBearerRequest,
  invalidToken,
  type OAuthError,
} from "../errors";
import { bearerFromHeader, dpopFromHeader } from "../http/bearer";
import { allowClientOrigin, clientCors } from "../http/cors";
import { noStore } from "../http/no-store";
import { bodyText, paramsFrom } from "../http/params";
import { checkedDpopProof, currentDpopNonce, spendDpopProof, type DpopRefusal } from "../tokens/dpop";
import { activeAccessToken, signedTokenClientId, type ActiveAccessToken } from "../tokens/resolve";
import { pickClaims, requestedClaimNames, scopeClaimNames } from "../tokens/claims";
import { userinfoResponse } from "../tokens/userinfo-response";
import { findUserBySub } from "../users/store";

export const userinfo = new Hono<AppEnv>();

// Browser apps of the token's client (src/http/cors.ts): the client of an active token, or the client_id that our
// signature vouches for in an expired or revoked JWT. A token that is neither names no client: no CORS headers.
userinfo.use(clientCors(["GET", "POST"]));
// OIDC Core §5.3 answers carry claims about the user: never cached.
userinfo.use(noStore);

/** RFC 9449 §7.1: the DPoP challenge names the proof algorithms accepted. */
const ALGS = config.dpop.signingAlgorithms;

type Presented = { scheme: "Bearer" | "DPoP"; token: string };

userinfo.on(["GET", "POST"], "/", async (c) => {
  // Signature and expiry are not enough: the Grant object says whether the token or its grant was revoked.
  const presented = await presentedToken(c);
  const token = presented.scheme === "DPoP" ? await dpopToken(c, presented.token) : await bearer(c, presented.token);
  const refuse = refusal(presented.scheme);
  const audience = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audience.includes(c.env.ISSUER))
    throw refuse("invalid_token", "the access token is not meant for this provider");
  // OIDC Core §5.3: userinfo needs an access token for the openid scope.
  if (!token.scope.includes("openid")) throw refuse("insufficient_scope", "the access token lacks the openid scope");
  const user = await findUserBySub(c.env, token.grant.sub);
  if (!user) throw refuse("invalid_token", "the user no longer exists");
  const names = [...scopeClaimNames(token.scope), ...requestedClaimNames(token.grant.claims, "userinfo")];
  // OIDC Core §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim
  // in the ID Token": both come from the same mapping (src/tokens/subject.ts).
  const { contentType, body } = await userinfoResponse(c.env, token.client, {
    ...pickClaims(user, names),
    sub: token.subject,
  });
  c.header("Content-Type", contentType);
  return c.body(body);
});

/**
 * An expired or revoked JWT of ours still names its client (our signature vouches for the claim): its browser app
 * may read the invalid_token answer and sign in again instead of seeing a network error. Only for a browser's
 * cross-origin call (an Origin header), so that server-side callers pay nothing.
 */
async function allowOriginOfInactiveToken(c: Context<AppEnv>, presented: string): Promise<void> {
  if (c.req.header("origin") === undefined) return;
  const clientId = await signedTokenClientId(c.env, presented);
  const client = clientId === undefined ? null : await findClient(c.env, clientId);
  if (client) allowClientOrigin(c, client);
}

/** A bearer token: active, and not DPoP-bound. */
async function bearer(c: Context<AppEnv>, presented: string): Promise<ActiveAccessToken> {
  const token = await activeAccessToken(c.env, presented);
  if (!token) {
    await allowOriginOfInactiveToken(c, presented);
    throw invalidToken("the access token is invalid, expired or revoked", dpopChallenge(ALGS));
  }
  allowClientOrigin(c, token.client);
  // RFC 9449 §7.1: a DPoP-bound token is only accepted with the DPoP scheme and a proof of its key; presented as a
  // bearer token it is refused (both challenges, so the client learns which scheme to use).
  if (token.jkt !== undefined) {
    throw invalidToken(
      "this access token is DPoP-bound: present it with the DPoP scheme and a proof",
      dpopChallenge(ALGS),
    );
  }
  return token;
}

/**
 * RFC 9449 §7.1: a DPoP-bound token with its proof (§4.3 with ath), the proof's key the token's cnf.jkt. The proof
 * is checked first (no storage), then the token; the proof's jti is spent last, once the token is active and bound
 * to its key, so a junk token costs no Durable Object call for its proof. The client is known, for CORS, before any
 * refusal is thrown.
 */
async function dpopToken(c: Context<AppEnv>, presented: string): Promise<ActiveAccessToken> {
  const refuseProof: DpopRefusal = (error, description, nonce) => dpopResourceError(error, description, ALGS, nonce);
  const checked = async () => {
    const proof = await checkedDpopProof(c.env, c.req.raw, "userinfo", refuseProof, presented);
    if (!proof) throw dpopResourceError("invalid_dpop_proof", "the DPoP scheme needs a DPoP proof", ALGS);
    return proof;
  };
  const [proof, token] = await Promise.all([settled(checked()), activeAccessToken(c.env, presented)]);
  if (token) allowClientOrigin(c, token.client);
  else await allowOriginOfInactiveToken(c, presented);
  if (!proof.ok) throw proof.error;
  if (!token) throw dpopResourceError("invalid_token", "the access token is invalid, expired or revoked", ALGS);
  // An unbound (bearer) token presented with the DPoP scheme is refused too: the scheme says what the token is.
  if (token.jkt === undefined) throw dpopResourceError("invalid_token", "the access token is not DPoP-bound", ALGS);
  if (token.jkt !== proof.value.jkt) {
    throw dpopResourceError("invalid_token", "the DPoP proof's key is not the one the token is bound to", ALGS);
  }
  await spendDpopProof(c.env, proof.value, refuseProof);
  // RFC 9449 §9: the nonce for the client's next proof.
  const nonce = await currentDpopNonce(c.env);
  if (nonce !== undefined) c.header("DPoP-Nonce", nonce);
  return token;
}

/** A refusal after the token was accepted, in the scheme it was presented with. */
function refusal(scheme: Presented["scheme"]) {
  return (code: "invalid_token" | "insufficient_scope", description: string): OAuthError => {
    if (scheme === "DPoP") return dpopResourceError(code, description, ALGS);
    return code === "invalid_token"
      ? invalidToken(description, dpopChallenge(ALGS))
      : insufficientScope(description, "openid");
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/**
 * RFC 6750 §2.1 (header) and §2.2 (form body), RFC 9449 §7.1 (the DPoP scheme, in the header only); "Clients MUST
 * NOT use more than one method" (RFC 6750 §2).
 */
async function presentedToken(c: Context<AppEnv>): Promise<Presented> {
  const authorization = c.req.header("authorization");
  const bound = dpopFromHeader(authorization);
  const fromHeader = bound ?? bearerFromHeader(authorization);
  const isForm =
    c.req.method === "POST" && (c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const fromBody = isForm ? paramsFrom(new URLSearchParams(await bodyText(c))).access_token : undefined;
  if (fromHeader && fromBody) {
    // RFC 6750 §3.1: invalid_request, 400, with the Bearer challenge.
    throw invalidBearerRequest("the access token was sent in more than one way");
  }
  if (bound) return { scheme: "DPoP", token: bound };
  const token = fromHeader ?? fromBody;
  if (!token) throw new MissingBearerToken(dpopChallenge(ALGS));
  return { scheme: "Bearer", token };
}
