// What a verified access token tells the API, whether it was a JWT checked locally or an opaque token the
// authorization server vouched for through introspection.

export interface AccessTokenClaims {
  /** "jwt": verified locally against the issuer's JWKS; "opaque": answered active by introspection (RFC 7662). */
  readonly format: "jwt" | "opaque";
  readonly iss: string;
  /** The resource owner, or the client itself for client credentials (RFC 9068 §2.2). */
  readonly sub: string | undefined;
  /** Always an array, whether the token carried a string or an array (RFC 7519 §4.1.3). */
  readonly aud: readonly string[];
  readonly client_id: string | undefined;
  /** The granted scopes, split from the space-delimited `scope` claim (RFC 9068 §2.2.3, RFC 6749 §3.3). */
  readonly scopes: readonly string[];
  readonly exp: number | undefined;
  readonly iat: number | undefined;
  readonly jti: string | undefined;
  readonly auth_time: number | undefined;
  /**
   * RFC 9449 §6: the SHA-256 JWK thumbprint of the key the token is bound to (`cnf.jkt`), or undefined for a
   * bearer token. A bound token was accepted only with a proof signed by that key.
   */
  readonly jkt: string | undefined;
  /** Everything the token (or the introspection answer) carried, for claims this type does not name. */
  readonly raw: Readonly<Record<string, unknown>>;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

export function audiences(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === "string");
  return [];
}

function splitScope(scope: unknown): string[] {
  return typeof scope === "string" ? scope.split(" ").filter((s) => s.length > 0) : [];
}

/**
 * RFC 9449 §6.1 (JWT) and §6.2 (introspection): a DPoP-bound token carries `cnf: { jkt }`. A `cnf` naming no
 * jkt (an mTLS binding, say) leaves jkt undefined, and malformedBinding() has the verifier refuse the token.
 */
function boundKey(cnf: unknown): string | undefined {
  if (typeof cnf !== "object" || cnf === null || !("jkt" in cnf)) return undefined;
  return str(cnf.jkt);
}

/** Whether the token claims a binding this verifier cannot check: a cnf without a jkt string (RFC 9449 §7.1). */
export function malformedBinding(raw: Readonly<Record<string, unknown>>): boolean {
  const cnf = raw.cnf;
  if (cnf === undefined) return false;
  if (typeof cnf !== "object" || cnf === null) return true;
  // A binding this verifier cannot check (an mTLS x5t#S256, say) must not pass for a bearer token either.
  return !("jkt" in cnf) || typeof cnf.jkt !== "string" || cnf.jkt.length === 0;
}

export function toClaims(
  format: AccessTokenClaims["format"],
  iss: string,
  raw: Record<string, unknown>,
): AccessTokenClaims {
  return {
    format,
    iss,
    sub: str(raw.sub),
    aud: audiences(raw.aud),
    client_id: str(raw.client_id),
    scopes: splitScope(raw.scope),
    exp: num(raw.exp),
    iat: num(raw.iat),
    jti: str(raw.jti),
    auth_time: num(raw.auth_time),
    jkt: boundKey(raw.cnf),
    raw,
  };
}
