// Serves the example single-page app (index.html, app.js) with oidc-client-ts's own browser build and a config.js
// naming the provider and the client. Every path under the base path is the app's one page (the path tells it
// which callback it is). Used by `npm run example:spa` (the demo-spa client, http://localhost:3000/spa/) and by the
// interop suite (a client registered per run, on a free loopback port).
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const HERE = new URL(".", import.meta.url);
/** The library's browser build (an IIFE defining the global `oidc`), as the npm package ships it. */
const LIBRARY = fileURLToPath(new URL("../browser/oidc-client-ts.min.js", import.meta.resolve("oidc-client-ts")));

export interface SpaOptions {
  issuer: string;
  /** The client_id, read for each page (the interop suite registers its client after the server has started). */
  clientId: () => string;
  /** Where the app lives on its origin: "" (the root) or e.g. "/spa". */
  basePath: string;
  host: string;
  /** 0 for a free port. */
  port: number;
}

export async function serveSpa(options: SpaOptions): Promise<{ server: Server; origin: string }> {
  const [index, app, library] = await Promise.all([
    readFile(new URL("index.html", HERE)),
    readFile(new URL("app.js", HERE)),
    readFile(LIBRARY),
  ]);
  const js = "text/javascript; charset=utf-8";
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://spa").pathname;
    if (!path.startsWith(`${options.basePath}/`)) {
      res.writeHead(404).end();
      return;
    }
    const file = path.slice(options.basePath.length);
    if (file === "/oidc-client-ts.min.js") res.writeHead(200, { "content-type": js }).end(library);
    else if (file === "/app.js") res.writeHead(200, { "content-type": js }).end(app);
    else if (file === "/config.js") {
      const config = JSON.stringify({
        issuer: options.issuer,
        clientId: options.clientId(),
        basePath: options.basePath,
      });
      res.writeHead(200, { "content-type": js }).end(`window.SPA_CONFIG = ${config};`);
    } else res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(index);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${options.host}:${port}` };
}
