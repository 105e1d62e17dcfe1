// What every grant handler receives and returns (RFC 6749 §5.1 successful response).
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import type { Params } from "../http/params";
import type { VerifiedDpopProof } from "../tokens/dpop";

export interface GrantContext {
  env: Env;
  client: Client;
  params: Params;
  /** The client's address (CF-Connecting-IP), for the password grant's login throttle. */
  source: string | undefined;
  /** The request's DPoP proof (RFC 9449 §5), checked and its jti spent; undefined when none was sent. */
  dpop: VerifiedDpopProof | undefined;
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
