// End-to-end tier setup: the provider and the weather example API under `wrangler dev` (wrangler-dev.ts), their
// addresses handed to the tests through vitest's provide/inject. Teardown stops both.
import type { TestProject } from "vitest/node";
import { startWorkers } from "./wrangler-dev";

declare module "vitest" {
  export interface ProvidedContext {
    /** The running weather API's origin, e.g. http://127.0.0.1:41235. */
    weatherUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { issuer, weatherUrl, stop } = await startWorkers({ weather: true });
  if (weatherUrl === undefined) throw new Error("the weather API was not started");
  project.provide("issuer", issuer);
  project.provide("weatherUrl", weatherUrl);
  return stop;
}
