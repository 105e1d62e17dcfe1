// Request parameter parsing shared by every endpoint.
import type { Context } from "hono";
import { invalidRequest } from "../errors";

export type Params = Record<string, string>;

/**
 * RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be included more than once."
 * Parameters sent without a value are treated as omitted (§3.1).
 */
export function paramsFrom(search: URLSearchParams): Params {
  const params: Params = {};
  const seen = new Set<string>();
  for (const [name, value] of search) {
    if (seen.has(name)) throw invalidRequest(`parameter '${name}' is repeated`);
    seen.add(name);
    if (value !== "") params[name] = value;
  }
  return params;
}

/** A form-encoded POST body (RFC 6749 §4.1.3 requires application/x-www-form-urlencoded). */
export async function formParams(c: Context): Promise<Params> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw invalidRequest("the body must be application/x-www-form-urlencoded");
  }
  return paramsFrom(new URLSearchParams(await c.req.text()));
}

export function queryParams(c: Context): Params {
  return paramsFrom(new URL(c.req.url).searchParams);
}
