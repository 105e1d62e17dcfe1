// Global setup for the workers tests: a real HTTP server on a free loopback port playing the outside world:
// the external "authentication URL" of the seed's gateway (HTTP Basic in, JSON with the subject and claims out),
// clients' `jwks_uri` documents (a test PUTs a key set to /jwks/<name>, the provider GETs it), and clients'
// `backchannel_logout_uri` receivers (the provider POSTs logout tokens to /backchannel/<name>; a test PUTs the
// statuses to answer with, in order, and GETs what was received).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    authUrl: string;
    /** Base URL for client key sets: PUT and GET `${jwksBase}/<name>`. */
    jwksBase: string;
    /** Base URL for back-channel logout receivers: POST (the provider), PUT statuses and GET received, per name. */
    backchannelBase: string;
  }
}

function credentials(req: IncomingMessage): [string, string] | null {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

const keySets = new Map<string, string>();

function serveJwks(req: IncomingMessage, res: ServerResponse): void {
  const name = (req.url ?? "").slice("/jwks/".length);
  if (req.method === "PUT") {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      keySets.set(name, body);
      res.writeHead(204).end();
    });
    return;
  }
  const set = keySets.get(name);
  res.writeHead(set ? 200 : 404, { "content-type": "application/jwk-set+json" }).end(set ?? "");
}

/** Per receiver: the statuses still to answer with (then 200), and the bodies received. */
const receivers = new Map<string, { statuses: number[]; received: string[] }>();

function receiver(name: string) {
  let found = receivers.get(name);
  if (!found) receivers.set(name, (found = { statuses: [], received: [] }));
  return found;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => resolve(body));
  });
}

async function serveBackchannel(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const entry = receiver((req.url ?? "").slice("/backchannel/".length));
  const body = await readBody(req);
  if (req.method === "PUT") {
    entry.statuses = body.split(",").filter(Boolean).map(Number);
    res.writeHead(204).end();
  } else if (req.method === "POST") {
    entry.received.push(`${req.headers["content-type"] ?? ""}\n${body}`);
    res.writeHead(entry.statuses.shift() ?? 200, { "cache-control": "no-store" }).end();
  } else {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entry.received));
  }
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  if ((req.url ?? "").startsWith("/jwks/")) {
    serveJwks(req, res);
    return;
  }
  if ((req.url ?? "").startsWith("/backchannel/")) {
    void serveBackchannel(req, res);
    return;
  }
  const [status, body] = backendAnswer(credentials(req));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

function backendAnswer(creds: ReturnType<typeof credentials>): [number, unknown?] {
  if (!creds) return [401];
  const [username, password] = creds;
  if (username === "broken-backend") return [500, { oops: true }];
  if (username === "no-sub") return [200, { name: "Nobody" }];
  if (username === "ext-user" && password === "ext-pass") {
    return [200, { sub: "ext-123", name: "Extra Ternal", email: "ext@example.com", email_verified: true }];
  }
  return [401, { error: "bad credentials" }];
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("authUrl", `http://127.0.0.1:${port}/basic-auth`);
  project.provide("jwksBase", `http://127.0.0.1:${port}/jwks`);
  project.provide("backchannelBase", `http://127.0.0.1:${port}/backchannel`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
