// Which URIs a client may register: redirect URIs by application type (RFC 6749 §3.1.2, RFC 8252 §7,
// OIDC Registration §2), and the plain web URIs of its metadata (client_uri, logo_uri, ...).
// Each function answers why a URI is refused, or undefined when it is acceptable.
import { isLoopback, isPrivateHost } from "../lib/urls";

export type ApplicationType = "web" | "native";

/** Schemes that must never be a redirect target, whatever the application type. */
const FORBIDDEN_SCHEMES = new Set(["javascript:", "data:", "vbscript:", "file:", "blob:", "about:"]);

export function redirectUriProblem(uri: string, applicationType: ApplicationType): string | undefined {
  if (!URL.canParse(uri)) return "is not an absolute URI";
  // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component." (An empty "#" counts.)
  if (uri.includes("#")) return "must not include a fragment";
  const url = new URL(uri);
  if (url.username !== "" || url.password !== "") return "must not include user information";
  if (url.protocol === "https:") return undefined;
  // RFC 6749 §3.1.2.1 and OIDC Registration §2: web clients use https; plain http only on loopback
  // (RFC 8252 §7.3 for native apps; local development for web clients).
  if (url.protocol === "http:") return isLoopback(url) ? undefined : "must use https (http only on a loopback host)";
  if (applicationType === "web") return "must use https (http only on a loopback host)";
  return privateUseSchemeProblem(url.protocol);
}

/**
 * RFC 8252 §7.1: native apps "MUST use a URI scheme based on a domain name under their control, expressed in reverse
 * order".
 */
function privateUseSchemeProblem(protocol: string): string | undefined {
  if (FORBIDDEN_SCHEMES.has(protocol)) return "uses a forbidden scheme";
  if (!protocol.slice(0, -1).includes("."))
    return "must use a reverse-domain private-use scheme (e.g. com.example.app:/callback), https or loopback http";
  return undefined;
}

/** Metadata URIs shown to users or fetched by us: https, or http on a loopback host. */
export function webUriProblem(uri: string): string | undefined {
  if (!URL.canParse(uri)) return "is not an absolute URI";
  const url = new URL(uri);
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopback(url)) return undefined;
  return "must use https (http only on a loopback host)";
}

/**
 * jwks_uri is fetched by the provider at the edge: https only, and never on this machine or a private network
 * unless the provider itself runs on loopback (local development and tests).
 */
export function fetchedUriProblem(uri: string, localProvider: boolean): string | undefined {
  if (!URL.canParse(uri)) return "is not an absolute URI";
  const url = new URL(uri);
  if (url.protocol !== "https:") return "must use https";
  return !localProvider && isPrivateHost(url.hostname) ? "must not point at a loopback or private address" : undefined;
}

/**
 * A URI the provider fetches at request time (request_uris, RFC 9101 §5.2): https and never on a private network,
 * except where the provider itself runs on loopback (local development and tests), which also allows http there.
 * Checked at registration and again before each fetch.
 */
export function requestTimeUriProblem(uri: string, localProvider: boolean): string | undefined {
  return localProvider ? webUriProblem(uri) : fetchedUriProblem(uri, false);
}

/**
 * OIDC Back-Channel Logout 1.0 §2.2: backchannel_logout_uri "MUST be an absolute URI", "MUST NOT include a fragment
 * component" and "SHOULD use the https scheme". We POST to it from the edge, so, like jwks_uri, it is https and
 * never on a private network, except where the provider itself runs on loopback (local development and tests),
 * which also allows http on loopback.
 */
export function backchannelLogoutUriProblem(uri: string, localProvider: boolean): string | undefined {
  if (!URL.canParse(uri)) return "is not an absolute URI";
  if (uri.includes("#")) return "must not include a fragment";
  const url = new URL(uri);
  if (url.username !== "" || url.password !== "") return "must not include user information";
  if (localProvider && url.protocol === "http:" && isLoopback(url)) return undefined;
  return fetchedUriProblem(uri, localProvider);
}
