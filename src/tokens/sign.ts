// Signs provider JWTs with the current key for an algorithm; `kid` always in the header.
import { SignJWT, type JWTPayload } from "jose";
import type { SigningAlgorithm } from "../config";
import type { Env } from "../env";
import { signingKey } from "../keys/store";

export async function signJwt(env: Env, alg: SigningAlgorithm, typ: string, payload: JWTPayload): Promise<string> {
  const key = await signingKey(env, alg);
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.key);
}
