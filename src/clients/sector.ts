// A client's pairwise sector (OIDC Core §8.1): the sector identifier its pairwise subjects are computed for, and its
// sector_identifier_uri (OIDC Registration §5): a document, owned by the sector, listing the redirect URIs of the
// clients that share its pairwise subjects. It is fetched and checked at registration and at every update, so a
// client can join a sector only if the sector lists it; the sector identifier is then the document's host.
import * as v from "valibot";
import { invalidClientMetadata } from "../errors";
import { fetchDocument } from "../lib/fetch-document";
import { isLoopback } from "../lib/urls";
import { fetchedUriProblem, webUriProblem } from "./redirect-uris";
import type { Client } from "./schema";

const LIMITS = { timeoutMs: 5_000, maxBytes: 64 * 1024, accept: "application/json" };
const UriList = v.array(v.string());

/** The sector identifier (the document's host), once the document lists every redirect URI of the client. */
export async function verifiedSector(
  uri: string,
  redirectUris: readonly string[],
  localProvider: boolean,
): Promise<string> {
  // Fetched by us: https, and not on this machine or a private network, unless the provider itself is local.
  const problem = localProvider ? webUriProblem(uri) : fetchedUriProblem(uri, false);
  if (problem) throw invalidClientMetadata(`sector_identifier_uri ${problem}`);
  const listed = v.safeParse(UriList, await fetchJson(uri));
  if (!listed.success) throw invalidClientMetadata("sector_identifier_uri must name a JSON array of redirect URIs");
  // OIDC Registration §5: "The values registered in redirect_uris MUST be included in the elements of the array."
  const missing = redirectUris.filter((redirect) => !listed.output.includes(redirect));
  if (missing.length > 0) throw invalidClientMetadata(`sector_identifier_uri does not list ${missing.join(" ")}`);
  return new URL(uri).hostname;
}

async function fetchJson(uri: string): Promise<unknown> {
  try {
    return JSON.parse(await fetchDocument(uri, LIMITS));
  } catch {
    throw invalidClientMetadata("sector_identifier_uri could not be fetched as JSON");
  }
}

/** What a client's sector depends on. */
export type SectorFields = Pick<Client, "client_id" | "redirect_uris" | "sector_identifier">;

/**
 * OIDC Core §8.1: the sector identifier is the host of the registered sector_identifier_uri, else the host of
 * the redirect_uri; "If there are multiple hostnames in the registered redirect_uris, the Client MUST register
 * a sector_identifier_uri." A host that names no one (a native app's private-use scheme has none; every loopback
 * app shares 127.0.0.1 or localhost, RFC 8252 §7.3) would give unrelated apps the same subs: such a client is a
 * sector of its own, so it shares pairwise subs with no other client unless an administrator gives it a sector.
 * Undefined when the redirect URIs have several hosts and nothing names the sector.
 */
export function sectorOf(client: SectorFields): string | undefined {
  if (client.sector_identifier) return client.sector_identifier;
  const urls = client.redirect_uris.map((uri) => new URL(uri));
  const hosts = new Set(urls.map((url) => url.hostname));
  const [host] = hosts;
  if (hosts.size !== 1 || host === undefined) return undefined;
  if (host === "" || urls.some(isLoopback)) return `client_id:${client.client_id}`;
  return host;
}

/** The sector of a pairwise client; a client without one (a record that broke the rules) gets no pairwise values. */
export function sectorIdentifier(client: SectorFields): string {
  const sector = sectorOf(client);
  if (sector === undefined) {
    const hosts = new Set(client.redirect_uris.map((uri) => new URL(uri).hostname)).size;
    throw new Error(
      `pairwise client ${client.client_id} needs a sector_identifier (its redirect URIs have ${hosts} hosts)`,
    );
  }
  return sector;
}
