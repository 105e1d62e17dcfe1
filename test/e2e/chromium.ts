// Which Chromium the browser tests drive (never one downloaded at run time): $CHROMIUM_PATH, else a system
// Chromium or Chrome, else the build the npm package @sparticuz/chromium ships inside its tarball (Linux x64),
// so `npm install && npm test` needs nothing from the operating system's package manager.
import { existsSync } from "node:fs";

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Flags for a headless run on a machine with a closed network (no background fetches, no sandbox as root). */
const COMMON_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  /** Where it came from, for messages. */
  source: string;
}

export async function findChromium(): Promise<ChromiumLaunch> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    return { executablePath: configured, args: COMMON_ARGS, source: "CHROMIUM_PATH" };
  }
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return { executablePath: system, args: COMMON_ARGS, source: system };
  // Unpacked from the package's own brotli archive into the temporary folder on first use. Its recommended
  // flags are for serverless hosts (single process, web security off) and would change what the tests see.
  const bundled = (await import("@sparticuz/chromium")).default;
  return { executablePath: await bundled.executablePath(), args: COMMON_ARGS, source: "@sparticuz/chromium" };
}
