// The JWK Set (RFC 7517 §5): public keys only, including the next keys (published before they sign) and
// retired ones (kept until what they signed has expired). Cacheable, for less time than a new key waits
// before it signs: max-age 300 s against a 1 h activation delay (config.keys explains the numbers).
import { Hono } from "hono";
import { config } from "../config";
import type { AppEnv } from "../env";
import { publicCors } from "../http/cors";
import { jwksJson } from "../keys/store";

export const jwks = new Hono<AppEnv>();

// Public keys: any origin may read them (src/http/cors.ts), e.g. a browser app verifying ID tokens.
jwks.use("/", publicCors());

jwks.get("/", async (c) => {
  c.header("Cache-Control", `public, max-age=${config.keys.jwksMaxAgeSeconds}`);
  c.header("Content-Type", "application/jwk-set+json");
  return c.body(await jwksJson(c.env));
});
