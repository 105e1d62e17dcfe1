// Admin API: signing keys (list public information, rotate now).
import { Hono } from "hono";
import { objects } from "../../storage";
import type { AppEnv } from "../../env";
import { audit } from "../../lib/audit";

export const adminKeys = new Hono<AppEnv>();

adminKeys.get("/", async (c) => c.json({ keys: await objects.keyManager(c.env).listKeys() }));

/** Publishes the next key for every algorithm now; it signs only once every verifier can have seen it. */
adminKeys.post("/rotate", async (c) => {
  const before = new Set((await objects.keyManager(c.env).listKeys()).map((key) => key.kid));
  await objects.keyManager(c.env).rotate();
  const keys = await objects.keyManager(c.env).listKeys();
  const rotated = keys.filter((key) => !before.has(key.kid)).map((key) => key.kid);
  audit({ event: "keys.rotated", rotated, removed: [], trigger: "admin" });
  return c.json({ keys });
});
