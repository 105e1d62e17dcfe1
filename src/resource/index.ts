// edge-oidc/resource: protect an API (any Worker) with access tokens from an edge-oidc issuer, or any
// RFC 9068 / RFC 7662 authorization server. This file only re-exports.
export { verifyAccessToken } from "./verify";
export { requireAccessToken, type AccessTokenVariables, type RequireAccessTokenOptions, type WithAccessToken } from "./middleware";
export { bearerToken } from "./bearer";
export { challenge, errorResponse } from "./challenge";
export { AccessTokenError, type AccessTokenErrorCode, type BearerErrorCode } from "./errors";
export type { AccessTokenClaims } from "./claims";
export type {
  AccessTokenAlgorithm,
  FetcherLike,
  IntrospectionOptions,
  VerifyAccessTokenOptions,
} from "./options";
