// A Grant object's refusal, as the client sees it. Which check failed (a spent code, a PKCE mismatch, another
// client's token) is logged, not sent: the client learns the error code and a stable description.
import { invalidGrant, invalidScope, type OAuthError } from "../errors";
import type { Failure } from "../durable/grant-state";

export function grantRefused(failure: Failure): OAuthError {
  return failure.error === "invalid_scope"
    ? invalidScope("the requested scope exceeds the grant", failure.reason)
    : invalidGrant("the grant is invalid, expired or revoked", failure.reason);
}
