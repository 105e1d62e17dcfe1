// The admin CLI over the admin API, for a local `npm start` or a deployed worker:
//   npm run admin -- [--url URL] [--token TOKEN] [--json] <clients|users|keys> <action> [...]
// URL and TOKEN default to $EDGE_OIDC_URL / $EDGE_OIDC_ADMIN_TOKEN, else the local development values.
import { parseArgs } from "node:util";

const USAGE = `usage: npm run admin -- [--url URL] [--token TOKEN] [--json] <command>

  clients list
  clients get <client_id>
  clients create --metadata '<RFC 7591 JSON>'            (or the flags below)
  clients create --name NAME --redirect-uri URI [--redirect-uri URI...] [--grant-type T...]
                 [--scope "openid profile"] [--auth-method client_secret_basic] [--client-id ID]
                 [--post-logout-redirect-uri URI...] [--backchannel-logout-uri URI]
                 [--cors-origin https://app.example.com...]    (browser apps' origins; see docs)
                 [--dpop-bound true|false] [--require-par true|false] [--request-object-signing-alg ALG]
  clients update <client_id> --metadata '<JSON>'           (replaces the metadata)
  clients update <client_id> [--dpop-bound true|false] [--require-par true|false]
                 [--request-object-signing-alg ALG|none]   (changes only these settings)
  clients rotate-secret <client_id>
  clients delete <client_id>
  users list
  users get <sub>
  users create --username NAME --password PASSWORD [--sub SUB] [--claim name=value...]
  users update <sub> [--password PASSWORD] [--claim name=value...]
  users delete <sub>                                       (ends every session, revokes every grant)
  users sign-out <sub>                                     (sign out everywhere: the same, the user stays)
  users factors <sub>                                      (passkeys, authenticator app, recovery codes left)
  users remove-passkey <sub> <credential-id>
  users reset-second-factor <sub> [--passkeys]             (the authenticator app and recovery codes; passkeys too)
  keys list
  keys rotate

An id that begins with '-' goes after '--', with the options before it:
  npm run admin -- --dpop-bound true -- clients update -abc123`;

const LOCAL_URL = "http://localhost:8787";
const LOCAL_TOKEN = "dev-admin-token";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

class CliError extends Error {}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    token: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
    metadata: { type: "string" },
    name: { type: "string" },
    "client-id": { type: "string" },
    "redirect-uri": { type: "string", multiple: true },
    "grant-type": { type: "string", multiple: true },
    "post-logout-redirect-uri": { type: "string", multiple: true },
    "backchannel-logout-uri": { type: "string" },
    scope: { type: "string" },
    "auth-method": { type: "string" },
    "cors-origin": { type: "string", multiple: true },
    "dpop-bound": { type: "string" },
    "require-par": { type: "string" },
    "request-object-signing-alg": { type: "string" },
    username: { type: "string" },
    password: { type: "string" },
    sub: { type: "string" },
    claim: { type: "string", multiple: true },
    passkeys: { type: "boolean", default: false },
  },
});

const baseUrl = (values.url ?? process.env.EDGE_OIDC_URL ?? LOCAL_URL).replace(/\/+$/, "");
const token = values.token ?? process.env.EDGE_OIDC_ADMIN_TOKEN ?? (isLocal(baseUrl) ? LOCAL_TOKEN : undefined);

function isLocal(url: string): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
}

async function call(method: string, path: string, body?: Json): Promise<Json> {
  if (!token) throw new CliError("no admin token: pass --token or set EDGE_OIDC_ADMIN_TOKEN");
  const res = await fetch(`${baseUrl}/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed: Json = text ? (JSON.parse(text) as Json) : null;
  if (!res.ok) {
    const error = isObject(parsed)
      ? `${JSON.stringify(parsed.error)}: ${JSON.stringify(parsed.error_description ?? "")}`
      : text;
    throw new CliError(`${method} ${path} failed (${res.status}) ${error}`);
  }
  return parsed;
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function claims(pairs: string[] | undefined): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliError(`--claim wants name=value, got ${pair}`);
    const raw = pair.slice(eq + 1);
    // JSON values (true, 42, {"a":1}) stay typed; anything else is a string.
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new CliError(`missing ${what}\n\n${USAGE}`);
  return value;
}

function metadataFromFlags(): Json {
  if (values.metadata) {
    const given = JSON.parse(values.metadata) as Json;
    if (!isObject(given)) throw new CliError("--metadata must be a JSON object");
    return { ...given, ...protectionSettings() };
  }
  const metadata: { [key: string]: Json } = { client_name: required(values.name, "--name or --metadata") };
  if (values["client-id"]) metadata.client_id = values["client-id"];
  if (values["redirect-uri"]) metadata.redirect_uris = values["redirect-uri"];
  if (values["grant-type"]) metadata.grant_types = values["grant-type"];
  if (values.scope) metadata.scope = values.scope;
  if (values["auth-method"]) metadata.token_endpoint_auth_method = values["auth-method"];
  if (values["post-logout-redirect-uri"]) metadata.post_logout_redirect_uris = values["post-logout-redirect-uri"];
  if (values["backchannel-logout-uri"]) metadata.backchannel_logout_uri = values["backchannel-logout-uri"];
  if (values["cors-origin"]) metadata.allowed_cors_origins = values["cors-origin"];
  return { ...metadata, ...protectionSettings() };
}

/**
 * The per-client protections of docs/dpop-par-jar.md as metadata: RFC 9449 §5.2 dpop_bound_access_tokens, RFC 9126
 * §6 require_pushed_authorization_requests, RFC 9101 §10.1 request_object_signing_alg ("none" removes it).
 */
function protectionSettings(): { [key: string]: Json } {
  const settings: { [key: string]: Json } = {};
  if (values["dpop-bound"] !== undefined)
    settings.dpop_bound_access_tokens = flag(values["dpop-bound"], "--dpop-bound");
  if (values["require-par"] !== undefined)
    settings.require_pushed_authorization_requests = flag(values["require-par"], "--require-par");
  const alg = values["request-object-signing-alg"];
  if (alg !== undefined) settings.request_object_signing_alg = alg === "none" ? null : alg;
  return settings;
}

function flag(value: string, name: string): boolean {
  if (value !== "true" && value !== "false") throw new CliError(`${name} wants true or false, got ${value}`);
  return value === "true";
}

/** `clients update` with flags: the current metadata with only the flagged settings changed (PUT replaces it all). */
async function updatedMetadata(id: string): Promise<Json> {
  if (values.metadata) return JSON.parse(values.metadata) as Json;
  const settings = protectionSettings();
  if (Object.keys(settings).length === 0) throw new CliError(`nothing to update\n\n${USAGE}`);
  const current = await call("GET", `/clients/${encodeURIComponent(id)}`);
  if (!isObject(current)) throw new CliError("unexpected answer from the admin API");
  const { v: _v, client_id: _id, client_id_issued_at: _at, ...metadata } = current;
  const changed = { ...metadata, ...settings };
  // A null setting ("none") removes it.
  return Object.fromEntries(Object.entries(changed).filter(([, value]) => value !== null));
}

async function run(resource: string | undefined, action: string | undefined, id: string | undefined): Promise<Json> {
  const enc = (s: string | undefined, what: string) => encodeURIComponent(required(s, what));
  switch (`${resource} ${action}`) {
    case "clients list":
      return call("GET", "/clients");
    case "clients get":
      return call("GET", `/clients/${enc(id, "client_id")}`);
    case "clients create":
      return call("POST", "/clients", metadataFromFlags());
    case "clients update":
      return call("PUT", `/clients/${enc(id, "client_id")}`, await updatedMetadata(required(id, "client_id")));
    case "clients rotate-secret":
      return call("POST", `/clients/${enc(id, "client_id")}/secret`);
    case "clients delete":
      return call("DELETE", `/clients/${enc(id, "client_id")}`);
    case "users list":
      return call("GET", "/users");
    case "users get":
      return call("GET", `/users/${enc(id, "sub")}`);
    case "users create": {
      const user: JsonObject = {
        username: required(values.username, "--username"),
        password: required(values.password, "--password"),
        claims: claims(values.claim),
      };
      if (values.sub) user.sub = values.sub;
      return call("POST", "/users", user);
    }
    case "users update":
      return call("PUT", `/users/${enc(id, "sub")}`, {
        ...(values.password ? { password: values.password } : {}),
        ...(values.claim ? { claims: claims(values.claim) } : {}),
      });
    case "users delete":
      return call("DELETE", `/users/${enc(id, "sub")}`);
    case "users sign-out":
      return call("POST", `/users/${enc(id, "sub")}/sign-out`);
    case "users factors":
      return call("GET", `/users/${enc(id, "sub")}/factors`);
    case "users remove-passkey":
      return call("DELETE", `/users/${enc(id, "sub")}/passkeys/${enc(positionals[3], "credential-id")}`);
    case "users reset-second-factor":
      return call("POST", `/users/${enc(id, "sub")}/reset-second-factor`, { passkeys: values.passkeys });
    case "keys list":
      return call("GET", "/keys");
    case "keys rotate":
      return call("POST", "/keys/rotate");
    default:
      throw new CliError(USAGE);
  }
}

/** Readable output: a table for lists, "key  value" lines for one record. */
function render(result: Json): string {
  if (result === null) return "done";
  if (!isObject(result)) return JSON.stringify(result);
  const list = Object.values(result).find(Array.isArray);
  if (list && Object.keys(result).length === 1) return table(list.filter(isObject));
  return Object.entries(result)
    .map(([key, value]) => `${key.padEnd(28)} ${cell(value)}`)
    .join("\n");
}

const COLUMNS = [
  "client_id",
  "client_name",
  "token_endpoint_auth_method",
  "grant_types",
  "sub",
  "username",
  "source",
  "kid",
  "alg",
  "status",
];

function table(rows: { [key: string]: Json }[]): string {
  if (rows.length === 0) return "(none)";
  const columns = COLUMNS.filter((c) => rows.some((r) => r[c] !== undefined));
  const cells = rows.map((r) => columns.map((c) => cell(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => p.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

function cell(value: Json): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(",");
  return typeof value === "string" ? value : JSON.stringify(value);
}

async function main(): Promise<void> {
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const [resource, action, id] = positionals;
  const result = await run(resource, action, id);
  console.log(values.json ? JSON.stringify(result, null, 2) : render(result));
}

main().catch((err: unknown) => {
  console.error(err instanceof CliError ? err.message : err instanceof Error ? `error: ${err.message}` : String(err));
  process.exitCode = 1;
});
