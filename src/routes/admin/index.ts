// The admin API (bearer ADMIN_TOKEN): clients, users and signing keys. The CLI in scripts/admin.ts uses it.
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { noStore } from "../../http/no-store";
import { requireAdminToken } from "./auth";
import { adminClients } from "./clients";
import { adminKeys } from "./keys";
import { adminUsers } from "./users";

export const admin = new Hono<AppEnv>();

admin.use(noStore, requireAdminToken());
admin.route("/clients", adminClients);
admin.route("/users", adminUsers);
admin.route("/keys", adminKeys);
