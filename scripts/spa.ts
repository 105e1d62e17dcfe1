// `npm run example:spa`: the example single-page app (examples/spa, oidc-client-ts) at http://localhost:3000/spa/ as
// the demo client `demo-spa`, against the provider of `npm start` (ISSUER to point it elsewhere; PORT for another
// port, which then needs a client registered for that origin: SPA_CLIENT_ID).
import { serveSpa } from "../examples/spa/server";

const issuer = process.env.ISSUER ?? "http://localhost:8787";
const clientId = process.env.SPA_CLIENT_ID ?? "demo-spa";
const { origin } = await serveSpa({
  issuer,
  clientId: () => clientId,
  basePath: "/spa",
  host: "localhost",
  port: Number(process.env.PORT ?? 3000),
});
console.log(`example SPA (${clientId} at ${issuer}): ${origin}/spa/`);
