// Access tokens of an Authorization header: RFC 6750 §2.1 Bearer and RFC 9449 §7.1 DPoP (schemes case-insensitive).

/** RFC 6750 §2.1: the bearer token, if any. */
export function bearerFromHeader(authorization: string | undefined): string | undefined {
  const token = authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined;
  return token === "" ? undefined : token;
}

/** RFC 9449 §7.1: the access token of an `Authorization: DPoP <token>` header (scheme case-insensitive), if any. */
export function dpopFromHeader(authorization: string | undefined): string | undefined {
  const token = authorization && /^dpop /i.test(authorization) ? authorization.slice(5).trim() : undefined;
  return token === "" ? undefined : token;
}
