// User password hashing: PBKDF2-SHA256 through Web Crypto. Passwords are not random, so a slow hash is worth it.
import { base64url } from "jose";
import { config } from "../config";
import * as v from "valibot";

/** Workers refuses PBKDF2 above 100,000 iterations in production (local workerd does not enforce it). */
export const MAX_PBKDF2_ITERATIONS = 100_000;

export const PasswordHash = v.object({
  alg: v.literal("PBKDF2-SHA256"),
  iterations: v.pipe(v.number(), v.integer(), v.minValue(10_000), v.maxValue(MAX_PBKDF2_ITERATIONS)),
  salt: v.string(),
  hash: v.string(),
});
export type PasswordHash = v.InferOutput<typeof PasswordHash>;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(
  password: string,
  iterations: number = config.pbkdf2Iterations,
): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return { alg: "PBKDF2-SHA256", iterations, salt: base64url.encode(salt), hash: base64url.encode(hash) };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const hash = await derive(password, base64url.decode(stored.salt), stored.iterations);
  return crypto.subtle.timingSafeEqual(hash, base64url.decode(stored.hash));
}
