// The test pool's `env` has the Worker's bindings, and `exports` its entry points.
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the Worker's bindings
    interface Env extends WorkerEnv {}
    // `exports.default` of cloudflare:workers is the Worker under test.
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
