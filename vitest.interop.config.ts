// The interop suite (`npm run test:interop`): independent client libraries (oauth4webapi, openid-client, Python
// authlib, oidc-client-ts in headless Chromium) against the provider under `wrangler dev`. Kept out of `npm test`
// because it needs Python authlib from the operating system (Debian's python3-authlib).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "interop",
    environment: "node",
    include: ["test/interop/**/*.interop.test.ts"],
    globalSetup: ["test/interop/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
