// The built-in user store (KV USERS, keys in src/storage.ts): the user record by sub, and username -> sub.
// Userinfo, the hot path, needs one read by sub. What is user-wide and must be strongly consistent (sessions,
// consents, grants) lives in the user's Account object; deleting a user ends all of it there.
import * as v from "valibot";
import type { Env } from "../env";
import { IsolateCache } from "../lib/isolate-cache";
import { kv, objects, storableId } from "../storage";
import { releasePasskeys } from "./passkeys";
import { hashPassword, PasswordHash, verifyPassword } from "./password";

let decoyHash: Promise<PasswordHash> | undefined;
const unknownUserHash = () => (decoyHash ??= hashPassword(crypto.randomUUID()));

export const UserRecord = v.object({
  v: v.literal(1),
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.check(storableId, "sub is too long")),
  username: v.pipe(v.string(), v.minLength(1), v.check(storableId, "username is too long")),
  /** Absent for users of the external authentication backend (their password is checked there). */
  password: v.optional(PasswordHash),
  /** Where the user authenticates: this store, or the external authentication URL. */
  source: v.optional(v.picklist(["kv", "external"]), "kv"),
  /** Standard OIDC claims (OIDC Core §5.1) and any custom attributes. */
  claims: v.record(v.string(), v.unknown()),
});
export type User = v.InferOutput<typeof UserRecord>;

const cache = new IsolateCache<User | null>();

/** How the pages name a user: the name claim, else the username. */
export function displayName(user: User): string {
  const name = user.claims.name;
  return typeof name === "string" && name.trim() !== "" ? name : user.username;
}

/**
 * The user, or null. Cached in the isolate (<= 60 s) for userinfo and ID-token claims: a deleted user's tokens
 * are refused by their revoked grants, not by this read. `fresh` (credential checks, admin) reads KV itself.
 */
export async function findUserBySub(env: Env, sub: string, options: { fresh?: boolean } = {}): Promise<User | null> {
  if (!storableId(sub)) return null;
  const hit = options.fresh ? undefined : cache.get(sub);
  if (hit !== undefined) return hit;
  const raw = await env.USERS.get(kv.user(sub), "json");
  const parsed = raw === null ? null : v.safeParse(UserRecord, raw);
  if (parsed && !parsed.success) console.error("user record failed validation");
  const user = parsed?.success ? parsed.output : null;
  cache.set(sub, user);
  return user;
}

/** The user whose username and password match, or null. */
export async function checkCredentials(env: Env, username: string, password: string): Promise<User | null> {
  const sub = storableId(username) ? await env.USERS.get(kv.login(username)) : null;
  const user = sub === null ? null : await findUserBySub(env, sub, { fresh: true });
  // Spend the same PBKDF2 work for an unknown user, so timing does not reveal which usernames exist.
  const ok = await verifyPassword(password, user?.password ?? (await unknownUserHash()));
  return ok && user?.password ? user : null;
}

export type UserInput = v.InferInput<typeof UserRecord>;

export async function saveUser(env: Env, input: UserInput): Promise<User> {
  const user = v.parse(UserRecord, input);
  await env.USERS.put(kv.user(user.sub), JSON.stringify(user));
  await env.USERS.put(kv.login(user.username), user.sub);
  cache.delete(user.sub);
  return user;
}

/** Deletes the user: every session ends and every grant is revoked first (the Account), then the record goes. */
export async function deleteUser(env: Env, user: User): Promise<void> {
  const { removedPasskeys } = await objects.account(env, user.sub).revokeEverything(user.sub, true);
  // Their passkeys no longer name them (the credential records went with the Account's state).
  await releasePasskeys(env, removedPasskeys, user.sub);
  await env.USERS.delete(kv.user(user.sub));
  cache.delete(user.sub);
  if ((await env.USERS.get(kv.login(user.username))) === user.sub) await env.USERS.delete(kv.login(user.username));
}

/** A username is taken when it maps to a sub. */
export async function usernameTaken(env: Env, username: string): Promise<boolean> {
  return storableId(username) && (await env.USERS.get(kv.login(username))) !== null;
}
