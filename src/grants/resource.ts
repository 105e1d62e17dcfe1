// RFC 8707 resource indicators at the token endpoint: `resource` names the API the access token is for, and
// becomes its audience (instead of the APIs derived from the scopes).
import { config } from "../config";
import { invalidTarget } from "../errors";
import type { Params } from "../http/params";

/** The requested audience, or undefined without a resource parameter. One resource per request (§2). */
export function requestedAudience(params: Params): string[] | undefined {
  const resource = params.resource;
  if (resource === undefined) return undefined;
  // RFC 8707 §2: "MUST be an absolute URI ... MUST NOT include a fragment component."
  let uri: URL;
  try {
    uri = new URL(resource);
  } catch {
    throw invalidTarget("resource must be an absolute URI");
  }
  if (uri.hash !== "" || resource.includes("#")) throw invalidTarget("resource must not have a fragment");
  // §2: invalid_target when "the requested resource is invalid, missing, unknown, or malformed".
  if (!config.resourceServers.some((rs) => rs.audience === resource)) throw invalidTarget("unknown resource");
  return [resource];
}
