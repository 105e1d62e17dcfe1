// Admin API: users of the built-in store (list, create, read, update, delete). Password hashes never leave.
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv, Env } from "../../env";
import { audit } from "../../lib/audit";
import { requestRefused } from "../../errors";
import { hashPassword } from "../../users/password";
import { kv, objects, storableId } from "../../storage";
import { releasePasskeys } from "../../users/passkeys";
import { deleteUser, findUserBySub, saveUser, usernameTaken, UserRecord, type User } from "../../users/store";
import { jsonBody, listRecords } from "./io";

export const adminUsers = new Hono<AppEnv>();

const Claims = v.record(v.string(), v.unknown());
const CreateUser = v.strictObject({
  username: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.check(storableId, "username is too long")),
  password: v.pipe(v.string(), v.minLength(8)),
  sub: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.check(storableId, "sub is too long"))),
  claims: v.optional(Claims, {}),
});
const ResetFactors = v.strictObject({ passkeys: v.optional(v.boolean(), false) });
const UpdateUser = v.strictObject({
  password: v.optional(v.pipe(v.string(), v.minLength(8))),
  claims: v.optional(Claims),
});

function publicUser(user: User) {
  return { sub: user.sub, username: user.username, source: user.source, claims: user.claims };
}

adminUsers.get("/", async (c) => {
  const users = await listRecords(c.env.USERS, kv.userPrefix, UserRecord);
  return c.json({ users: users.map(publicUser) });
});

adminUsers.post("/", async (c) => {
  const input = await jsonBody(c, CreateUser);
  if (await usernameTaken(c.env, input.username)) {
    throw requestRefused(409, "username already exists");
  }
  const sub = input.sub ?? crypto.randomUUID();
  const password = await hashPassword(input.password);
  // A sub given again after a deletion: the Account accepts sessions again (the old grants stay revoked).
  if (input.sub) await objects.account(c.env, sub).restore(password.salt);
  const user = await saveUser(c.env, { v: 1, sub, username: input.username, password, claims: input.claims });
  audit({ event: "user.created", sub: user.sub, by: "admin" });
  return c.json(publicUser(user), 201);
});

adminUsers.get("/:sub", async (c) => c.json(publicUser(await existingUser(c.env, c.req.param("sub")))));

adminUsers.put("/:sub", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  const changes = await jsonBody(c, UpdateUser);
  const password = changes.password ? await hashPassword(changes.password) : undefined;
  const updated = await saveUser(c.env, {
    ...user,
    ...(password ? { password } : {}),
    ...(changes.claims ? { claims: changes.claims } : {}),
  });
  // A new password ends every session and revokes every grant (RFC 9700 §4.14.2: the authorization server may
  // revoke refresh tokens on a security event such as a password change), and from now on only it is accepted.
  if (password) await objects.account(c.env, user.sub).revokeEverything(user.sub, false, password.salt);
  audit({ event: "user.updated", sub: updated.sub, by: "admin" });
  return c.json(publicUser(updated));
});

/** Sign out everywhere: every session of the user ends and every grant is revoked, now. */
adminUsers.post("/:sub/sign-out", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  audit({ event: "user.signed_out", sub: user.sub, by: "admin" });
  const { sessions, grants } = await objects.account(c.env, user.sub).revokeEverything(user.sub, false);
  return c.json({ sessions, grants });
});

/** The user's sign-in factors: passkeys (names, dates, no keys), the authenticator app, recovery codes left. */
adminUsers.get("/:sub/factors", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  return c.json(await objects.account(c.env, user.sub).factorSummary());
});

/** Removes one passkey (a lost device): it no longer signs anyone in. */
adminUsers.delete("/:sub/passkeys/:id", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  const id = c.req.param("id");
  if (!(await objects.account(c.env, user.sub).removePasskey(null, id))) throw requestRefused(404, "no such passkey");
  await releasePasskeys(c.env, [id], user.sub);
  audit({ event: "factor.changed", sub: user.sub, factor: "passkey", change: "removed", by: "admin" });
  return c.body(null, 204);
});

/**
 * Resets the second factor (a user who lost the authenticator app and the recovery codes): the app and the codes
 * go, and with {"passkeys": true} the passkeys too. The user signs in with the password and sets up again.
 */
adminUsers.post("/:sub/reset-second-factor", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  const { passkeys } = await jsonBody(c, ResetFactors);
  const { removedPasskeys } = await objects.account(c.env, user.sub).resetFactors(passkeys);
  await releasePasskeys(c.env, removedPasskeys, user.sub);
  audit({ event: "factor.changed", sub: user.sub, factor: "totp", change: "reset", by: "admin" });
  return c.json({ removedPasskeys: removedPasskeys.length });
});

adminUsers.delete("/:sub", async (c) => {
  const user = await existingUser(c.env, c.req.param("sub"));
  await deleteUser(c.env, user);
  audit({ event: "user.deleted", sub: user.sub, by: "admin" });
  return c.body(null, 204);
});

async function existingUser(env: Env, sub: string): Promise<User> {
  const user = await findUserBySub(env, sub, { fresh: true });
  if (!user) throw requestRefused(404, "no such user");
  return user;
}
