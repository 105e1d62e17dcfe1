// Interop suite setup: the provider under `wrangler dev` exactly as the end-to-end tier starts it
// (test/e2e/wrangler-dev.ts: a free loopback port, a private dev registry, fresh temporary persistence), without
// the weather example, which no interop test needs. Its issuer is handed to the tests through provide/inject.
import type { TestProject } from "vitest/node";
import { startWorkers } from "../e2e/wrangler-dev";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { issuer, stop } = await startWorkers({ weather: false });
  project.provide("issuer", issuer);
  return stop;
}
