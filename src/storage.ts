// Every storage name in one place: the KV keys, each Durable Object class's id scheme, and the keys each object
// keeps in its own storage. docs/storage-schema.md describes what each holds, its schema version, who writes it
// and when it is deleted. Nothing else in src/ spells a key or an object name.
import type { ClientState } from "./durable/client-state";
import type { Env } from "./env";

/** The longest client id, sub or username we store: KV keys are limited to 512 bytes (key prefixes included). */
const MAX_ID_BYTES = 256;
const utf8 = new TextEncoder();

/**
 * Whether an identifier can name a stored record. A longer one names nothing we hold, so lookups answer "not found"
 * without asking KV (which would fail on the key's length) and records are never written under one.
 */
export function storableId(id: string): boolean {
  return id.length <= MAX_ID_BYTES && utf8.encode(id).length <= MAX_ID_BYTES;
}

/** Keys of the three KV namespaces (read-mostly data, isolate-cached <= 60 s). */
export const kv = {
  /** CLIENTS: the client record (src/clients/schema.ts). */
  client: (clientId: string) => `client:${clientId}`,
  clientPrefix: "client:",
  /** USERS: the user record (src/users/store.ts). */
  user: (sub: string) => `user:${sub}`,
  userPrefix: "user:",
  /** USERS: username (case-folded) -> sub. */
  login: (username: string) => `login:${username.toLowerCase()}`,
  /** USERS: a passkey's credential id -> the sub of the one user it belongs to (discoverable sign-in). */
  passkey: (credentialId: string) => `passkey:${credentialId}`,
  /** USERS: marks that the local demo data has been seeded (development only). */
  demoSeedMarker: "seed:demo:v4",
  /** KEYS: the signing key set (public JWKs, private JWKs encrypted at rest, schedule). */
  keySet: "keyset",
} as const;

/** An owner's grants: `grant:<generation>:<grant-id>` (src/durable/revocation-queue.ts). */
const grantRegistry = { prefix: "grant:", generation: "grant-generation" } as const;

/** Keys inside each Durable Object's own (SQLite-backed) storage. */
export const doKeys = {
  grant: {
    state: "grant",
    /** A JWT access token of the grant revoked on its own (RFC 7009), one row each, until the grant is deleted. */
    revokedJti: (jti: string) => `revoked-jti:${jti}`,
  },
  keyManager: { keySet: "keyset" },
  limiter: { attempts: "attempts" },
  assertionReplay: {
    /** The JWT was used (one object per JWT); in an object of many DPoP proofs, when the object may go. */
    seen: "seen",
    /** One DPoP proof's jti, in the object of its key and time bucket. */
    jti: (jti: string) => `jti:${jti}`,
  },
  pushedRequest: { request: "request" },
  account: {
    meta: "meta",
    session: (sid: string) => `session:${sid}`,
    sessionPrefix: "session:",
    consent: (clientId: string) => `consent:${clientId}`,
    consentPrefix: "consent:",
    /** A session ended by a sign-out, until it would have expired: a grant announcing itself late is caught. */
    ended: (sid: string) => `ended:${sid}`,
    /** A back-channel logout still to be delivered to one client (src/logout/backchannel.ts). */
    logout: (sid: string, clientId: string) => `logout:${sid}:${clientId}`,
    logoutPrefix: "logout:",
    /** A grant of an ended session still to be revoked (its Grant object was not reached yet). */
    revoking: (grantId: string) => `revoking:${grantId}`,
    revokingPrefix: "revoking:",
    /** The authenticator app (TOTP) secret, sealed, and the last time step accepted (src/durable/factors.ts). */
    totp: "factor:totp",
    /** An authenticator app being enrolled, until confirmed with a first code or expired. */
    totpPending: "factor:totp-pending",
    /** Hashes of the unused recovery codes. */
    recoveryCodes: "factor:recovery",
    /** Recent failed second-factor codes (the per-user throttle). */
    factorFailures: "factor:failures",
    /** One passkey (WebAuthn credential record) by credential id. */
    passkey: (credentialId: string) => `passkey:${credentialId}`,
    passkeyPrefix: "passkey:",
    /** A consent the user took back: codes of that client authorized before it are revoked when redeemed. */
    consentRevoked: (clientId: string) => `consent-revoked:${clientId}`,
    /** A WebAuthn challenge already used, until it would have expired (single use). */
    challenge: (challenge: string) => `challenge:${challenge}`,
    grants: grantRegistry,
  },
  clientState: {
    meta: "meta",
    revokedJti: (jti: string) => `jti:${jti}`,
    revokedJtiPrefix: "jti:",
    opaque: (hash: string) => `opaque:${hash}`,
    opaquePrefix: "opaque:",
    /** The client's grants, spread over the shards by grant id. */
    grants: grantRegistry,
  },
} as const;

/** How each Durable Object is addressed. */
export const objects = {
  /** Grant: one per authorization grant with a user, a random id carried inside its codes and tokens. */
  newGrantId: (env: Env) => env.GRANT.newUniqueId(),
  grant: (env: Env, id: DurableObjectId) => env.GRANT.get(id),
  /** The Grant id of a 64-hex string taken from a token, or null when it is not one of ours. */
  grantIdFromHex(env: Env, hex: string): DurableObjectId | null {
    if (!/^[0-9a-f]{64}$/.test(hex)) return null;
    try {
      return env.GRANT.idFromString(hex);
    } catch {
      return null;
    }
  },
  /** Account: one per user (by local sub): sessions, consents, the user's grants. */
  account: (env: Env, sub: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(`user:${sub}`)),
  /**
   * ClientState: per client, `shards` objects. Opaque client_credentials tokens and the client's grants are
   * spread over all of them; shard 0 also holds revoked client_credentials JWTs and tells the others when the
   * client is deleted.
   */
  clientShardId: (env: Env, clientId: string, shard: number) =>
    env.CLIENT_STATE.idFromName(`client:${encodeURIComponent(clientId)}#${shard}`),
  clientState: (env: Env, clientId: string, shard = 0) =>
    env.CLIENT_STATE.get(objects.clientShardId(env, clientId, shard)),
  clientShardFromHex(env: Env, hex: string): DurableObjectStub<ClientState> | null {
    if (!/^[0-9a-f]{64}$/.test(hex)) return null;
    try {
      return env.CLIENT_STATE.get(env.CLIENT_STATE.idFromString(hex));
    } catch {
      return null;
    }
  },
  /**
   * Limiter: one per throttled key of a password login: a source address, a username (case-folded) from a source,
   * a username. Usernames are hashed into the name, so no length or character reaches the id.
   */
  loginLimiter: (env: Env, key: LimiterKey) => env.LIMITER.get(env.LIMITER.idFromName(limiterName(key))),
  /** KeyManager: the one owner of the signing key set. */
  keyManager: (env: Env) => env.KEY_MANAGER.get(env.KEY_MANAGER.idFromName("keys")),
  /**
   * AssertionReplay (single-use JWTs): one per client assertion, `<client_id>:<jti>`; encodeURIComponent escapes
   * ':' so no two pairs collide.
   */
  assertionReplay: (env: Env, clientId: string, jti: string) =>
    env.ASSERTION_REPLAY.get(env.ASSERTION_REPLAY.idFromName(`${encodeURIComponent(clientId)}:${jti}`)),
  /**
   * AssertionReplay, one per DPoP key and time bucket of its proofs' iat (RFC 9449 §11.1): `dpop#<jkt>#<bucket>`.
   * Its proofs' jti values are kept inside, so a client's proofs reuse one warm object instead of creating one each.
   * '#' never appears in an assertion's or request object's client part (encodeURIComponent escapes it), so the
   * schemes never meet. Keyed by the proof's key, not the client: only the key's holder can spend its jti values.
   */
  dpopReplay: (env: Env, jkt: string, bucket: number) =>
    env.ASSERTION_REPLAY.get(env.ASSERTION_REPLAY.idFromName(`dpop#${jkt}#${bucket}`)),
  /**
   * AssertionReplay again, for the jti of a request object (RFC 9101): `jar#<client>:<jti>`. An assertion's name
   * begins with encodeURIComponent(client_id), which never holds '#', so the two kinds never share an object.
   */
  requestObjectReplay: (env: Env, clientId: string, jti: string) =>
    env.ASSERTION_REPLAY.get(env.ASSERTION_REPLAY.idFromName(`jar#${encodeURIComponent(clientId)}:${jti}`)),
  /** PushedRequest: one per pushed authorization request, a random id carried in its request_uri. */
  newPushedRequestId: (env: Env) => env.PUSHED_REQUEST.newUniqueId(),
  pushedRequest: (env: Env, id: DurableObjectId) => env.PUSHED_REQUEST.get(id),
  /** The PushedRequest id of a 64-hex string taken from a request_uri, or null when it is not one of ours. */
  pushedRequestIdFromHex(env: Env, hex: string): DurableObjectId | null {
    if (!/^[0-9a-f]{64}$/.test(hex)) return null;
    try {
      return env.PUSHED_REQUEST.idFromString(hex);
    } catch {
      return null;
    }
  },
} as const;

/** RFC 9126 §2.2: the request_uri of a pushed request, `urn:ietf:params:oauth:request_uri:<object id>.<secret>`. */
export const PUSHED_REQUEST_URN_PREFIX = "urn:ietf:params:oauth:request_uri:";

export type LimiterKey =
  | { kind: "source"; source: string }
  | { kind: "account-source"; usernameHash: string; source: string }
  | { kind: "account"; usernameHash: string };

function limiterName(key: LimiterKey): string {
  switch (key.kind) {
    case "source":
      return `source:${key.source}`;
    case "account-source":
      return `login:${key.usernameHash}@${key.source}`;
    case "account":
      return `login:${key.usernameHash}`;
  }
}
