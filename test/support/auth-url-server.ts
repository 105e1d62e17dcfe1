// Global setup for the workers tests: a real HTTP server on a free loopback port playing the outside world:
// the external "authentication URL" of the seed's gateway (HTTP Basic in, JSON with the subject and claims out),
// and clients' `jwks_uri` documents (a test PUTs a key set to /jwks/<name>, the provider GETs it).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    authUrl: string;
    /** Base URL for client key sets: PUT and GET `${jwksBase}/<name>`. */
    jwksBase: string;
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

function answer(req: IncomingMessage, res: ServerResponse): void {
  if ((req.url ?? "").startsWith("/jwks/")) {
    serveJwks(req, res);
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
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
