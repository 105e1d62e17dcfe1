// RFC 6749 §5.1 and RFC 6750 §5.3: responses that carry tokens, secrets or user data are never cached.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/** Every response of the routes it is used on, errors included, carries NO_STORE. */
export const noStore = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(NO_STORE)) c.res.headers.set(name, value);
});
