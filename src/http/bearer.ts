// RFC 6750 §2.1: the bearer token of an Authorization header ("Bearer" is case-insensitive), if any.
export function bearerFromHeader(authorization: string | undefined): string | undefined {
  const token = authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined;
  return token === "" ? undefined : token;
}
