// Provider-internal signed values (interaction state, SSO session): HS256 JWTs under a key derived from
// SESSION_SECRET. Each kind has its own `typ`, so one can never be replayed as another.
import { base64url, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { nowSeconds } from "../clock";
import type { Env } from "../env";
import { derivedKey } from "../lib/crypto";

function macKey(env: Env): Promise<CryptoKey> {
  return derivedKey(
    "SESSION_SECRET",
    env.SESSION_SECRET,
    "edge-oidc internal mac v1",
    { name: "HMAC", hash: "SHA-256" },
    ["sign", "verify"],
  );
}

export async function signInternal(
  env: Env,
  typ: string,
  payload: JWTPayload,
  lifetimeSeconds: number,
): Promise<string> {
  const now = nowSeconds();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ })
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(await macKey(env));
}

/** The payload, or null when the value is forged, of another kind, or expired. */
export async function verifyInternal(env: Env, typ: string, token: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(token, await macKey(env), {
      typ,
      algorithms: ["HS256"],
      currentDate: new Date(nowSeconds() * 1000),
    });
    return payload;
  } catch {
    return null;
  }
}

/** HMAC-SHA256 of a value, base64url, for CSRF tokens. */
export async function macValue(env: Env, value: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await macKey(env), new TextEncoder().encode(value));
  return base64url.encode(new Uint8Array(sig));
}

/** Whether `presented` is macValue(value): Web Crypto's own verification, in constant time. */
export async function macValid(env: Env, value: string, presented: string): Promise<boolean> {
  let tag: Uint8Array;
  try {
    tag = base64url.decode(presented);
  } catch {
    return false;
  }
  return crypto.subtle.verify("HMAC", await macKey(env), tag, new TextEncoder().encode(value));
}
