// A client's public keys (RFC 7591 §2 `jwks` / `jwks_uri`): the shape we accept at registration and read back
// for private_key_jwt, and a short-lived isolate cache of remote key sets (DESIGN.md §1).
import * as v from "valibot";
import { createRemoteJWKSet, type JWK } from "jose";
import { config } from "../config";

/** The members of a public JWK that verification and encryption read; anything else is dropped. */
export const PublicJwk = v.object({
  kty: v.picklist(["RSA", "EC", "OKP"]),
  kid: v.optional(v.pipe(v.string(), v.maxLength(200))),
  use: v.optional(v.picklist(["sig", "enc"])),
  alg: v.optional(v.pipe(v.string(), v.maxLength(50))),
  key_ops: v.optional(v.array(v.string())),
  crv: v.optional(v.string()),
  x: v.optional(v.string()),
  y: v.optional(v.string()),
  n: v.optional(v.string()),
  e: v.optional(v.string()),
});
export type PublicJwk = v.InferOutput<typeof PublicJwk>;

/** JWK members that only a private or symmetric key has (RFC 7518 §6, RFC 8037 §2). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** The public members each key type needs (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). */
const REQUIRED_MEMBERS: Record<PublicJwk["kty"], readonly (keyof PublicJwk)[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  OKP: ["crv", "x"],
};

/** Why this key may not be registered, or the key as we store it. */
export function publicJwk(key: Record<string, unknown>): { ok: true; key: PublicJwk } | { ok: false; problem: string } {
  const privateMember = PRIVATE_MEMBERS.find((member) => member in key);
  if (privateMember !== undefined) return { ok: false, problem: `a registered key must be public (it has '${privateMember}')` };
  const parsed = v.safeParse(PublicJwk, key);
  if (!parsed.success) return { ok: false, problem: "each key must be an RSA, EC or OKP public JWK" };
  const missing = REQUIRED_MEMBERS[parsed.output.kty].find((member) => parsed.output[member] === undefined);
  if (missing !== undefined) return { ok: false, problem: `an ${parsed.output.kty} key needs '${missing}'` };
  return { ok: true, key: parsed.output };
}

/** Stored keys are parsed, not cast (STYLE.md habit 5): keys that do not parse are skipped. */
export function storedPublicJwks(keys: readonly Record<string, unknown>[]): JWK[] {
  return keys.flatMap((key) => {
    const parsed = publicJwk(key);
    return parsed.ok ? [parsed.key] : [];
  });
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;
const remoteSets = new Map<string, RemoteKeySet>();
const REMOTE_SET_LIMIT = 100;

/** One jose remote key set per URI per isolate, so its cache (<= isolateCacheSeconds) is shared by requests. */
export function remoteKeySet(uri: string): RemoteKeySet {
  const cached = remoteSets.get(uri);
  if (cached) return cached;
  if (remoteSets.size >= REMOTE_SET_LIMIT) {
    const oldest = remoteSets.keys().next();
    if (!oldest.done) remoteSets.delete(oldest.value);
  }
  const set = createRemoteJWKSet(new URL(uri), {
    cacheMaxAge: config.isolateCacheSeconds * 1000,
    cooldownDuration: 30_000,
    timeoutDuration: 3_000,
  });
  remoteSets.set(uri, set);
  return set;
}
