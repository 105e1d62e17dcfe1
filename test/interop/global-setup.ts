// Interop suite setup: exactly the end-to-end tier's (test/e2e/global-setup.ts): the provider and the weather
// example API under `wrangler dev` on free loopback ports, with a private dev registry and fresh temporary
// persistence. The weather API is there for the DPoP test (oauth4webapi-dpop.interop.test.ts), which calls it with
// a DPoP-bound token. Their addresses reach the tests through provide/inject.
export { default } from "../e2e/global-setup";
