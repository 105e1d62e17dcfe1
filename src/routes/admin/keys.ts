// Admin API: signing keys (list public information, rotate now).
import { Hono } from "hono";
import { objects } from "../../storage";
import type { AppEnv } from "../../env";

export const adminKeys = new Hono<AppEnv>();

adminKeys.get("/", async (c) => c.json({ keys: await objects.keyManager(c.env).listKeys() }));

/** Publishes the next key for every algorithm now; it signs only once every verifier can have seen it. */
adminKeys.post("/rotate", async (c) => {
  await objects.keyManager(c.env).rotate();
  return c.json({ keys: await objects.keyManager(c.env).listKeys() });
});
