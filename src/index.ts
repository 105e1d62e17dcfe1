// App assembly: routes, the error handlers (src/http/errors.ts), and the Worker's exports (fetch handler + Durable
// Objects).
import { Hono } from "hono";
import { config } from "./config";
import { demoSeed } from "./demo/seed";
import { audit } from "./lib/audit";
import type { AppEnv, Env } from "./env";
import { bodyLimit } from "./http/body-limit";
import { jsonErrors, notFound } from "./http/errors";
import { admin } from "./routes/admin";
import { authorize } from "./routes/authorize";
import { account } from "./routes/account";
import { consent } from "./routes/consent";
import { discovery } from "./routes/discovery";
import { jwks } from "./routes/jwks";
import { introspect } from "./routes/introspect";
import { login } from "./routes/login";
import { logout } from "./routes/logout";
import { par } from "./routes/par";
import { register } from "./routes/register";
import { revoke } from "./routes/revoke";
import { objects } from "./storage";
import { token } from "./routes/token";
import { userinfo } from "./routes/userinfo";

export { Account } from "./logout/account";
export { AssertionReplay } from "./durable/assertion-replay";
export { ClientState } from "./durable/client-state";
export { Grant } from "./durable/grant";
export { KeyManager } from "./durable/key-manager";
export { Limiter } from "./durable/limiter";
export { PushedRequest } from "./durable/pushed-request";

export const app = new Hono<AppEnv>();

// No endpoint needs more than a few KiB; the limit is counted while streaming, Content-Length or not.
app.use(bodyLimit(config.maxRequestBodyBytes));
app.use(demoSeed());
app.route("/.well-known", discovery);
app.route("/jwks", jwks);
app.route("/authorize", authorize);
app.route("/par", par);
app.route("/login", login);
app.route("/consent", consent);
app.route("/account", account);
app.route("/logout", logout);
app.route("/token", token);
app.route("/userinfo", userinfo);
app.route("/introspect", introspect);
app.route("/revoke", revoke);
app.route("/register", register);
app.route("/admin", admin);

app.notFound(notFound);
app.onError(jsonErrors);

export default {
  fetch: app.fetch,
  /** The cron trigger (wrangler.toml): the KeyManager rotates signing keys when due (config.keys). */
  async scheduled(_controller, env) {
    const { rotated, removed } = await objects.keyManager(env).rotateIfDue();
    if (rotated.length > 0 || removed.length > 0)
      audit({ event: "keys.rotated", rotated, removed, trigger: "schedule" });
  },
} satisfies ExportedHandler<Env>;
