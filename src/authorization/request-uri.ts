// Request objects by reference (RFC 9101 §5.2, OIDC Core §6.2): a request_uri that is not one of PAR's URNs is
// fetched only when the client registered it in `request_uris` (exact match), from an https URL not on a private
// network (checked again here, not only at registration), with a short timeout, no redirects and a size cap. What
// comes back is a request object like any other (src/authorization/request-object.ts).
import type { Client } from "../clients/schema";
import { requestTimeUriProblem } from "../clients/redirect-uris";
import type { Env } from "../env";
import { invalidRequestUri, requestUriNotSupported } from "../errors";
import { isLoopback } from "../lib/urls";
import { fetchDocument } from "../lib/fetch-document";

/** A short timeout; at most what a request object by value may be. */
const LIMITS = { timeoutMs: 3_000, maxBytes: 16 * 1024, accept: "application/oauth-authz-req+jwt, application/jwt" };

/** The request object at `uri`, a request_uri the client registered; throws request_uri_not_supported otherwise. */
export async function fetchRequestObject(env: Env, client: Client, uri: string): Promise<string> {
  // RFC 9101 §10.4.1 (SSRF): only what the client registered is ever fetched.
  if (!(client.request_uris ?? []).includes(uri)) {
    throw requestUriNotSupported("request_uri must be one of the client's registered request_uris, or come from /par");
  }
  const problem = requestTimeUriProblem(uri, isLoopback(new URL(env.ISSUER)));
  if (problem) throw invalidRequestUri(`request_uri ${problem}`);
  try {
    return (await fetchDocument(uri, LIMITS)).trim();
  } catch (err) {
    throw invalidRequestUri(
      "the request object could not be fetched from request_uri",
      err instanceof Error ? err.message : undefined,
    );
  }
}
