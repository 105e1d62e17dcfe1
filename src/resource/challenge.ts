// Turning an AccessTokenError into the RFC 6750 §3 / RFC 9449 §7.1 answer: status, WWW-Authenticate
// challenges, JSON body.
import type { AccessTokenError, AuthScheme } from "./errors";
import { resolveDpop, type DpopOptions, type DpopSettings } from "./options";

/**
 * RFC 6750 §3: the realm, scope and error_description values use only %x20-21 / %x23-5B / %x5D-7E (no `"`
 * or `\`), so every quoted value goes through here.
 */
function quotable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "");
}

/** What the answer needs of the options: the realm, and which schemes the API takes (RFC 9449 §7.1 algs). */
export interface ChallengeOptions {
  /** The realm in the challenges (RFC 6750 §3), e.g. the API's name. */
  realm?: string | undefined;
  /** The same `dpop` options the request was verified with ({} or absent: the defaults, mode "allowed"). */
  dpop?: DpopOptions | undefined;
}

/**
 * The WWW-Authenticate value for an error: one challenge per scheme the API takes, comma-separated in one header
 * (RFC 7235 §4.1), e.g. `Bearer realm="weather", error="invalid_token", error_description="...", DPoP
 * realm="weather", algs="ES256 ..."`. The error goes in the challenge of the scheme the request used; the other
 * stays bare. A realm string alone (or nothing) is the bearer-only answer of verifyAccessToken.
 */
export function challenge(err: AccessTokenError, options?: string | ChallengeOptions): string {
  if (typeof options === "string" || options === undefined) return challenges(err, options, undefined);
  return challenges(err, options.realm, resolveDpop(options.dpop ?? {}));
}

function challenges(err: AccessTokenError, realm: string | undefined, dpop: DpopSettings | undefined): string {
  if (dpop === undefined || dpop.mode === "off") return scheme("Bearer", params(err, realm));
  // RFC 9449 §7.1: a DPoP challenge names the proof algorithms it takes in algs.
  const algs = `algs="${dpop.algorithms.join(" ")}"`;
  const dpopChallenge = (withError: boolean) => scheme("DPoP", [...params(withError ? err : undefined, realm), algs]);
  if (dpop.mode === "required") return dpopChallenge(true);
  // §7.2: an API taking both schemes offers both challenges.
  const dpopError = err.scheme === "DPoP";
  return `${scheme("Bearer", params(dpopError ? undefined : err, realm))}, ${dpopChallenge(dpopError)}`;
}

function scheme(name: AuthScheme, params: readonly string[]): string {
  return params.length > 0 ? `${name} ${params.join(", ")}` : name;
}

function params(err: AccessTokenError | undefined, realm: string | undefined): string[] {
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm="${quotable(realm)}"`);
  // RFC 6750 §3.1: a request without authentication information "SHOULD NOT include an error code or other
  // error information" in the challenge.
  if (err?.error) {
    params.push(`error="${err.error}"`, `error_description="${quotable(err.message)}"`);
  }
  if (err?.error === "insufficient_scope") params.push(`scope="${quotable(err.requiredScopes.join(" "))}"`);
  return params;
}

/**
 * What a 503 tells the client. The error's own message names the issuer's URLs and statuses: internal detail,
 * logged by the caller (middleware.ts), never sent.
 */
function unavailableDescription(err: AccessTokenError): string {
  return err.code === "ERR_REPLAY_STORE_UNAVAILABLE"
    ? "the DPoP proof could not be checked for replay; try again later"
    : "the authorization server could not be reached; try again later";
}

/**
 * The whole answer. RFC 6750 §3, RFC 9449 §7.1: 401 (and 403 for insufficient_scope) with WWW-Authenticate
 * challenges. Pass the options the request was verified with (see `challenge` for a realm string alone).
 */
export function errorResponse(err: AccessTokenError, options?: string | ChallengeOptions): Response {
  if (typeof options === "string" || options === undefined) return answer(err, options, undefined);
  return answer(err, options.realm, resolveDpop(options.dpop ?? {}));
}

export function answer(err: AccessTokenError, realm: string | undefined, dpop: DpopSettings | undefined): Response {
  const headers = new Headers({ "cache-control": "no-store" });
  if (err.status === 503) {
    // The issuer could not be asked: not an authentication failure, so no challenge.
    headers.set("content-type", "application/json");
    headers.set("retry-after", "5");
    return new Response(
      JSON.stringify({ error: "temporarily_unavailable", error_description: unavailableDescription(err) }),
      {
        status: 503,
        headers,
      },
    );
  }
  headers.set("www-authenticate", challenges(err, realm, dpop));
  // RFC 9449 §9: use_dpop_nonce comes with the nonce to use.
  if (err.dpopNonce !== undefined) headers.set("dpop-nonce", err.dpopNonce);
  if (!err.error) return new Response(null, { status: err.status, headers });
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify({ error: err.error, error_description: err.message }), {
    status: err.status,
    headers,
  });
}
