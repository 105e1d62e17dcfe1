// A client's sector_identifier_uri (OIDC Core §8.1, OIDC Registration §5): a document, owned by the sector, listing
// the redirect URIs of the clients that share its pairwise subjects. It is fetched and checked at registration, so a
// client can join a sector only if the sector lists it; the sector identifier is then the document's host.
import * as v from "valibot";
import { invalidClientMetadata } from "../errors";
import { fetchDocument } from "../lib/fetch-document";
import { fetchedUriProblem, webUriProblem } from "./redirect-uris";

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
