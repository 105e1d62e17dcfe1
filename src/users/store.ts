// The built-in user store (KV USERS). Layout: `user:<sub>` holds the record, `login:<username>` maps to the sub,
// `consent:<sub>:<client_id>` remembers granted scopes. Userinfo, the hot path, needs one read by sub.
import * as v from "valibot";
import type { Env } from "../env";
import { hashPassword, PasswordHash, verifyPassword } from "./password";

let decoyHash: Promise<PasswordHash> | undefined;
const unknownUserHash = () => (decoyHash ??= hashPassword(crypto.randomUUID()));

export const UserRecord = v.object({
  v: v.literal(1),
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  username: v.pipe(v.string(), v.minLength(1)),
  /** Absent for users of the external authentication backend (their password is checked there). */
  password: v.optional(PasswordHash),
  /** Where the user authenticates: this store, or the external authentication URL. */
  source: v.optional(v.picklist(["kv", "external"]), "kv"),
  /** Standard OIDC claims (OIDC Core §5.1) and any custom attributes. */
  claims: v.record(v.string(), v.unknown()),
});
export type User = v.InferOutput<typeof UserRecord>;

const ConsentRecord = v.object({ v: v.literal(1), scopes: v.array(v.string()) });

export const userKey = (sub: string) => `user:${sub}`;
export const loginKey = (username: string) => `login:${username.toLowerCase()}`;
const consentKey = (sub: string, clientId: string) => `consent:${sub}:${clientId}`;

export async function findUserBySub(env: Env, sub: string): Promise<User | null> {
  const raw = await env.USERS.get(userKey(sub), "json");
  if (raw === null) return null;
  const parsed = v.safeParse(UserRecord, raw);
  if (!parsed.success) {
    console.error("user record failed validation");
    return null;
  }
  return parsed.output;
}

/** The user whose username and password match, or null. */
export async function checkCredentials(env: Env, username: string, password: string): Promise<User | null> {
  const sub = await env.USERS.get(loginKey(username));
  const user = sub === null ? null : await findUserBySub(env, sub);
  // Spend the same PBKDF2 work for an unknown user, so timing does not reveal which usernames exist.
  const ok = await verifyPassword(password, user?.password ?? (await unknownUserHash()));
  return ok && user?.password ? user : null;
}

export type UserInput = v.InferInput<typeof UserRecord>;

export async function saveUser(env: Env, input: UserInput): Promise<User> {
  const user = v.parse(UserRecord, input);
  await env.USERS.put(userKey(user.sub), JSON.stringify(user));
  await env.USERS.put(loginKey(user.username), user.sub);
  return user;
}

export async function deleteUser(env: Env, user: User): Promise<void> {
  await env.USERS.delete(userKey(user.sub));
  if ((await env.USERS.get(loginKey(user.username))) === user.sub) await env.USERS.delete(loginKey(user.username));
}

export async function consentedScopes(env: Env, sub: string, clientId: string): Promise<Set<string>> {
  const raw = await env.USERS.get(consentKey(sub, clientId), "json");
  const parsed = v.safeParse(ConsentRecord, raw);
  return new Set(parsed.success ? parsed.output.scopes : []);
}

export async function rememberConsent(env: Env, sub: string, clientId: string, scopes: Iterable<string>): Promise<void> {
  const merged = new Set([...(await consentedScopes(env, sub, clientId)), ...scopes]);
  await env.USERS.put(consentKey(sub, clientId), JSON.stringify({ v: 1, scopes: [...merged] }));
}
