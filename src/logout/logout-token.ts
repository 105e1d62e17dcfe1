// Logout tokens (OIDC Back-Channel Logout 1.0 §2.4): a JWT that tells a client one of its sessions has ended.
// "The same keys are used to sign and encrypt Logout Tokens as are used for ID Tokens": the client's ID-token
// algorithm, with a provider key or (HS256) its secret. Explicitly typed `logout+jwt` (§2.4: "RECOMMENDED") so that
// no logout token can pass for an ID token.
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { signJwtForClient } from "../tokens/sign";
import { sidFor, subjectFor } from "../tokens/subject";

/** §2.4: "events ... MUST contain the member name http://schemas.openid.net/event/backchannel-logout". */
const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
/** Accepted by clients for this long: §2.4 suggests a short exp ("two minutes"); each retry signs a fresh one. */
const LIFETIME_SECONDS = 120;

export interface LogoutTokenInput {
  /** The user's local sub; the token carries the one this client sees (pairwise or public). */
  sub: string;
  /** The session's own sid; the token carries the one this client sees, as its ID tokens do. */
  sid: string;
  jti: string;
}

export async function signLogoutToken(env: Env, client: Client, input: LogoutTokenInput): Promise<string> {
  const iat = nowSeconds();
  // §2.4: iss, aud, iat, exp, jti, events REQUIRED; sub and/or sid (we always send both, so clients that key their
  // sessions either way can find them); "A Logout Token MUST NOT contain a nonce Claim."
  return signJwtForClient(env, client, client.id_token_signed_response_alg, "logout+jwt", {
    iss: env.ISSUER,
    sub: await subjectFor(env, client, input.sub),
    aud: client.client_id,
    iat,
    exp: iat + LIFETIME_SECONDS,
    jti: input.jti,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    sid: await sidFor(env, client, input.sid),
  });
}
