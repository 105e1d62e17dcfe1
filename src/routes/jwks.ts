// The JWK Set (RFC 7517 §5): public keys only. Cacheable for less time than a new key waits before it signs.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { jwks as publicJwks } from "../keys/store";

export const jwks = new Hono<AppEnv>();

jwks.get("/", async (c) => {
  c.header("Cache-Control", "public, max-age=300");
  c.header("Content-Type", "application/jwk-set+json");
  return c.body(JSON.stringify(await publicJwks(c.env)));
});
