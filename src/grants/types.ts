// What every grant handler receives and returns (RFC 6749 §5.1 successful response).
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import type { Params } from "../http/params";
import type { PendingDpopProof } from "../tokens/dpop";

export interface GrantContext {
  env: Env;
  client: Client;
  params: Params;
  /** The client's address (CF-Connecting-IP), for the password grant's login throttle. */
  source: string | undefined;
  /**
   * The request's DPoP proof (RFC 9449 §5), checked; undefined when none was sent. The handler spends its jti
   * (dpop.spend()) after its own cheap checks and before its first storage call or any token it issues: the
   * endpoint refuses an answer whose proof was not spent.
   */
  dpop: PendingDpopProof | undefined;
}

export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: "DPoP" when the access token is bound to the request's proof. */
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export interface GrantHandler {
  grantType: string;
  handle(ctx: GrantContext): Promise<TokenResponse>;
}
