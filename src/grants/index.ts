// The grant registry: one handler per grant type, registered in one map.
import { authorizationCode } from "./authorization-code";
import { clientCredentials } from "./client-credentials";
import { password } from "./password";
import { refreshToken } from "./refresh-token";
import type { GrantHandler } from "./types";

export const grants: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCode, refreshToken, clientCredentials, password].map((handler) => [handler.grantType, handler]),
);
