// The authorization server's metadata (OpenID Connect Discovery 1.0 §4, RFC 8414 §3): where its JWKS and
// introspection endpoint are. Cached like any document (isolate memory + Cache API, per Cache-Control).
import * as v from "valibot";
import { DocumentRegistry } from "./document";
import { unavailable } from "./http";
import type { ResolvedOptions } from "./options";

const Metadata = v.looseObject({
  issuer: v.string(),
  jwks_uri: v.optional(v.pipe(v.string(), v.url())),
  introspection_endpoint: v.optional(v.pipe(v.string(), v.url())),
});

type ProviderMetadata = v.InferOutput<typeof Metadata>;

const registry = new DocumentRegistry<ProviderMetadata>();

/** OIDC Discovery §4: the configuration lives at the issuer + /.well-known/openid-configuration. */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

function metadata(opts: ResolvedOptions): Promise<ProviderMetadata> {
  // Keyed by issuer: "https://a/" and "https://a" share a URL but not an identity (the parser checks it).
  return registry.get(discoveryUrl(opts.issuer), (body) => parseMetadata(body, opts.issuer), opts.issuer).get(opts);
}

/**
 * An endpoint the metadata names, which must be on the issuer's own origin. Metadata is fetched without
 * authentication; RFC 7662 §4 has the protected resource send its client credentials and callers' tokens to
 * the introspection endpoint, and the JWKS decides which signatures are trusted, so neither is taken from
 * anywhere but the issuer's origin unless the API configures it explicitly (`jwksUri`, `introspection.endpoint`).
 */
export async function discoveredEndpoint(
  opts: ResolvedOptions,
  name: "jwks_uri" | "introspection_endpoint",
): Promise<string> {
  const url = (await metadata(opts))[name];
  if (!url) throw unavailable(`the provider metadata has no ${name}`);
  if (new URL(url).origin !== opts.issuerOrigin) {
    throw unavailable(`the provider metadata's ${name} ${url} is not on the issuer's origin ${opts.issuerOrigin}`);
  }
  return url;
}

function parseMetadata(body: unknown, issuer: string): ProviderMetadata {
  const parsed = v.safeParse(Metadata, body);
  if (!parsed.success) throw unavailable("the provider metadata is malformed");
  // OIDC Discovery §4.3 / RFC 8414 §3.3: the issuer value MUST be identical to the issuer the metadata was
  // retrieved for; "If these values are not identical, the data contained in the response MUST NOT be used."
  if (parsed.output.issuer !== issuer) {
    throw unavailable(`the provider metadata names issuer ${parsed.output.issuer}, expected ${issuer}`);
  }
  return parsed.output;
}
