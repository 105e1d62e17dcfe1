// A client's public keys (RFC 7591 §2 `jwks` / `jwks_uri`): the shape we accept at registration, the keys that
// verify its private_key_jwt assertions, and its encryption key (OIDC Core §10.2), chosen by key type and by
// `use: "enc"` or a matching `alg`. Keys at a `jwks_uri` come through one jose remote set per URI per isolate,
// cached for config.isolateCacheSeconds.
import { base64url, createLocalJWKSet, createRemoteJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from "jose";
import * as v from "valibot";
import { config } from "../config";
import type { Client } from "./schema";

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
  if (privateMember !== undefined)
    return { ok: false, problem: `a registered key must be public (it has '${privateMember}')` };
  const parsed = v.safeParse(PublicJwk, key);
  if (!parsed.success) return { ok: false, problem: "each key must be an RSA, EC or OKP public JWK" };
  const missing = REQUIRED_MEMBERS[parsed.output.kty].find((member) => parsed.output[member] === undefined);
  if (missing !== undefined) return { ok: false, problem: `an ${parsed.output.kty} key needs '${missing}'` };
  const weak = keySizeProblem(parsed.output);
  return weak === undefined ? { ok: true, key: parsed.output } : { ok: false, problem: weak };
}

/** RSA moduli of 2048 to 8192 bits (NIST SP 800-131A; beyond that only a cost to us) and a small odd exponent. */
const RSA_BITS = { min: 2048, max: 8192 };
/** Coordinate lengths in bytes per curve (RFC 7518 §6.2.1.2, RFC 8037 §2). */
const CURVE_BYTES: Record<string, number> = { "P-256": 32, "P-384": 48, "P-521": 66, Ed25519: 32, X25519: 32 };

/** Why a key is too weak or malformed to verify or encrypt with, or undefined. */
function keySizeProblem(key: PublicJwk): string | undefined {
  const bytes = (member: string | undefined) => {
    if (member === undefined || !/^[A-Za-z0-9_-]*$/.test(member)) return undefined;
    try {
      return base64url.decode(member);
    } catch {
      return undefined;
    }
  };
  if (key.kty === "RSA") {
    const n = bytes(key.n);
    const e = bytes(key.e);
    // The modulus is unsigned big-endian without leading zero octets (RFC 7518 §6.3.1.1).
    if (!n || !e || n[0] === 0 || n.length * 8 < RSA_BITS.min || n.length * 8 > RSA_BITS.max) {
      return `an RSA key needs a modulus of ${RSA_BITS.min} to ${RSA_BITS.max} bits`;
    }
    if (e.length === 0 || e.length > 4 || e[0] === 0 || ((e[e.length - 1] ?? 0) & 1) === 0) {
      return "an RSA key needs a small odd public exponent";
    }
    return undefined;
  }
  const curves = key.kty === "EC" ? ["P-256", "P-384", "P-521"] : ["Ed25519", "X25519"];
  const size = key.crv !== undefined && curves.includes(key.crv) ? CURVE_BYTES[key.crv] : undefined;
  const x = bytes(key.x);
  const y = key.kty === "EC" ? bytes(key.y) : new Uint8Array(size ?? 0);
  if (size === undefined || x?.length !== size || y?.length !== size) {
    return `an ${key.kty} key needs a supported curve and coordinates of its size`;
  }
  return undefined;
}

/** Stored keys are parsed, not cast: keys that do not parse are skipped. */
function storedPublicJwks(keys: readonly Record<string, unknown>[]): JWK[] {
  return keys.flatMap((key) => {
    const parsed = publicJwk(key);
    return parsed.ok ? [parsed.key] : [];
  });
}

/**
 * The keys that verify this client's signatures (private_key_jwt assertions, request objects): its registered
 * `jwks`, or the cached set at its `jwks_uri`; undefined when it registered neither.
 */
export function clientVerificationKeys(client: Client): JWTVerifyGetKey | undefined {
  if (client.jwks) return createLocalJWKSet({ keys: storedPublicJwks(client.jwks.keys) });
  if (client.jwks_uri) return remoteKeySet(client.jwks_uri);
  return undefined;
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;
const remoteSets = new Map<string, RemoteKeySet>();
const REMOTE_SET_LIMIT = 100;

/** One jose remote key set per URI per isolate, so its cache (<= isolateCacheSeconds) is shared by requests. */
function remoteKeySet(uri: string): RemoteKeySet {
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

export type KeyManagementAlgorithm = "RSA-OAEP-256" | "ECDH-ES+A256KW";

export interface ClientEncryptionKey {
  key: CryptoKey;
  kid: string | undefined;
}

/** One table entry per key-management algorithm: which keys it can use, and their public members. */
const keyTypes: Record<
  KeyManagementAlgorithm,
  { fits: (jwk: PublicJwk) => boolean; members: readonly (keyof PublicJwk)[] }
> = {
  "RSA-OAEP-256": { fits: (jwk) => jwk.kty === "RSA", members: ["kty", "n", "e"] },
  "ECDH-ES+A256KW": {
    fits: (jwk) =>
      (jwk.kty === "EC" && ["P-256", "P-384", "P-521"].includes(jwk.crv ?? "")) ||
      (jwk.kty === "OKP" && jwk.crv === "X25519"),
    members: ["kty", "crv", "x", "y"],
  },
};

/** Imported keys per isolate, so a client's key is imported once, not on every response. */
const imported = new Map<string, Promise<CryptoKey>>();
const IMPORTED_LIMIT = 500;

/** The client's key for this algorithm, imported as a public key; throws when it registered none. */
export async function clientEncryptionKey(client: Client, alg: KeyManagementAlgorithm): Promise<ClientEncryptionKey> {
  const jwk = pickKey(await clientKeys(client), alg);
  if (!jwk) throw new Error(`client ${client.client_id} has no ${alg} encryption key`);
  return { key: await importOnce(publicMembers(jwk, alg), alg), kid: jwk.kid };
}

function importOnce(jwk: JWK, alg: KeyManagementAlgorithm): Promise<CryptoKey> {
  const cacheKey = `${alg}:${JSON.stringify(jwk)}`;
  let key = imported.get(cacheKey);
  if (!key) {
    if (imported.size >= IMPORTED_LIMIT) imported.clear();
    key = importJWK(jwk, alg).then((k) => {
      if (!(k instanceof CryptoKey)) throw new Error("unexpected key type");
      return k;
    });
    imported.set(cacheKey, key);
    key.catch(() => imported.delete(cacheKey));
  }
  return key;
}

/**
 * Keys of the right type that are not signing keys, and say they are for encryption (`use: "enc"`) or for
 * this algorithm (`alg`): a key registered for private_key_jwt is never used to encrypt.
 */
function pickKey(keys: readonly PublicJwk[], alg: KeyManagementAlgorithm): PublicJwk | undefined {
  for (const jwk of keys) {
    if (!keyTypes[alg].fits(jwk) || jwk.use === "sig") continue;
    if (jwk.alg !== undefined && jwk.alg !== alg) continue;
    if (jwk.use === "enc" || jwk.alg === alg) return jwk;
  }
  return undefined;
}

/** Only the public members: a private member registered by mistake never turns into a private key here. */
function publicMembers(jwk: PublicJwk, alg: KeyManagementAlgorithm): JWK {
  const out: Record<string, string> = {};
  for (const name of keyTypes[alg].members) {
    const value = jwk[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/** The registered keys, or those at jwks_uri through the same cached remote set private_key_jwt uses. */
async function clientKeys(client: Client): Promise<PublicJwk[]> {
  if (client.jwks) return parsedKeys(client.jwks.keys);
  if (!client.jwks_uri) return [];
  const set = remoteKeySet(client.jwks_uri);
  if (!set.fresh) await set.reload();
  return parsedKeys(set.jwks()?.keys ?? []);
}

function parsedKeys(keys: readonly object[]): PublicJwk[] {
  return keys.flatMap((key) => {
    const parsed = publicJwk({ ...key });
    return parsed.ok ? [parsed.key] : [];
  });
}
