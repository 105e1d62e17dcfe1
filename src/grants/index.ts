// The grant registry: one handler per grant type, registered in one map.
import { authorizationCode } from "./authorization-code";
import type { GrantHandler } from "./types";

export const grants: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCode].map((handler) => [handler.grantType, handler]),
);
