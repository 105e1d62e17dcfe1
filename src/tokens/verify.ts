// The one option set for JWTs we issued ourselves (access tokens, ID tokens presented back as hints): our issuer,
// our clock, and the algorithms we sign with. Each caller adds what its kind of token must carry.
import { jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { ownKeyResolver } from "../keys/store";

export interface OwnJwtOptions extends Pick<JWTVerifyOptions, "typ" | "audience" | "requiredClaims"> {
  /** Accept an expired token (a hint, or a token being revoked: harmless either way). */
  anyExpiry?: boolean;
  /** OIDC Core §10.1: an HS256 ID token is verified with its client's secret instead of our keys. */
  clientSecret?: string;
}

/** The payload, or a thrown jose error. */
export async function verifyOwnJwt(env: Env, token: string, options: OwnJwtOptions): Promise<JWTPayload> {
  const { anyExpiry, clientSecret, ...checks } = options;
  const common: JWTVerifyOptions = {
    ...checks,
    issuer: env.ISSUER,
    currentDate: new Date(nowSeconds() * 1000),
    ...(anyExpiry ? { clockTolerance: Number.MAX_SAFE_INTEGER } : {}),
  };
  const { payload } =
    clientSecret === undefined
      ? await jwtVerify(token, await ownKeyResolver(env), { ...common, algorithms: [...config.signingAlgorithms] })
      : await jwtVerify(token, new TextEncoder().encode(clientSecret), { ...common, algorithms: ["HS256"] });
  return payload;
}
