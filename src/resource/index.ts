// edge-oidc/resource: protect an API (any Worker) with access tokens from an edge-oidc issuer, or any
// RFC 9068 / RFC 7662 authorization server. This file only re-exports.
// jose does the JOSE work (jwtVerify, createLocalJWKSet); this package adds the RFC 9068 §4, RFC 7662 and
// RFC 6750 rules, one cache for the issuer's documents (document.ts: why not createRemoteJWKSet is in jwks.ts),
// and validated options cached per isolate by value (options-cache.ts), so an API may build them per request.
// Nothing here imports from the rest of src/: this is a separate package export.
export { dpopNonce, verifyAccessToken, verifyRequest, type RequestLike } from "./verify";
export {
  requireAccessToken,
  type AccessTokenVariables,
  type RequireAccessTokenOptions,
  type WithAccessToken,
} from "./middleware";
export { bearerToken } from "./bearer";
export { challenge, errorResponse, type ChallengeOptions } from "./challenge";
export { AccessTokenError, type AccessTokenErrorCode, type AuthScheme, type BearerErrorCode } from "./errors";
export type { AccessTokenClaims } from "./claims";
export type {
  AccessTokenAlgorithm,
  DpopMode,
  DpopNonceOptions,
  DpopOptions,
  FetcherLike,
  IntrospectionOptions,
  VerifyAccessTokenOptions,
} from "./options";
export type { DpopAlgorithm } from "./dpop-proof";
export {
  DpopReplayObject,
  MemoryReplayStore,
  durableReplayStore,
  type DpopReplayStore,
  type ReplayNamespaceLike,
} from "./replay";
