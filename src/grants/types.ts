// What every grant handler receives and returns (RFC 6749 §5.1 successful response).
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import type { Params } from "../http/params";

export interface GrantContext {
  env: Env;
  client: Client;
  params: Params;
  /** The client's address (CF-Connecting-IP), for the password grant's login throttle. */
  source: string | undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

export interface GrantHandler {
  grantType: string;
  handle(ctx: GrantContext): Promise<TokenResponse>;
}
