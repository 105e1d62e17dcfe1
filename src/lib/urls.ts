// URL facts shared by client registration and the user backend.

/** RFC 8252 §7.3 / §8.3 loopback hosts, plus "localhost" (the local demo's redirect URIs use it). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Whether the URL points at this machine: plain http is allowed there only (local development and tests). */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}
