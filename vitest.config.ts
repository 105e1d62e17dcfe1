// Two test tiers: wire-contract tests inside real workerd (real KV and Durable Objects),
// and end-to-end tests that start `wrangler dev` and drive it with real clients from Node.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml", environment: "dev" },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/interop/**", "test/weather-worker/**"],
          // A real HTTP server on loopback standing in for an external authentication URL.
          globalSetup: ["test/support/auth-url-server.ts"],
        },
      },
      {
        // The weather example Worker (examples/weather) with its own bindings: its DPoP replay Durable Object.
        plugins: [
          cloudflareTest({
            main: "./examples/weather/src/index.ts",
            wrangler: { configPath: "./examples/weather/wrangler.toml", environment: "dev" },
            // The provider Worker its PROVIDER binding names is not part of this project: these tests use a
            // stand-in issuer, so the binding only answers that it is not there.
            miniflare: {
              serviceBindings: { PROVIDER: () => new Response("no provider in these tests", { status: 503 }) },
            },
          }),
        ],
        test: {
          name: "weather",
          include: ["test/weather-worker/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.e2e.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
