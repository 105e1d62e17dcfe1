// Requests to the authorization server: through the service binding when the URL is on the issuer's origin
// (no internet hop between two Workers), through fetch() otherwise; always with a timeout and a size bound.
import { AccessTokenError } from "./errors";
import type { ResolvedOptions } from "./options";

/** Metadata, key sets and introspection answers are small; anything larger is not what we asked for. */
const MAX_BODY_BYTES = 256 * 1024;

export async function send(url: string, init: RequestInit, opts: ResolvedOptions): Promise<Response> {
  const viaBinding = opts.fetcher !== undefined && new URL(url).origin === opts.issuerOrigin;
  const request: RequestInit = { ...init, redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs) };
  try {
    return viaBinding && opts.fetcher ? await opts.fetcher.fetch(url, request) : await fetch(url, request);
  } catch (err) {
    throw unavailable(`${url} could not be reached`, err);
  }
}

/** GET a JSON document (RFC 8414 §3.2, RFC 7517 §5: both are JSON objects answered with 200). */
export async function getJson(url: string, opts: ResolvedOptions, init: RequestInit = {}): Promise<{ body: unknown; response: Response }> {
  const response = await send(url, { ...init, headers: { accept: "application/json" } }, opts);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw unavailable(`${url} answered ${response.status}`);
  }
  return { body: await readJson(response, url), response };
}

export async function readJson(response: Response, url: string): Promise<unknown> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw unavailable(`${url} answered more than ${MAX_BODY_BYTES} bytes`);
  }
  const text = await response.text();
  if (text.length > MAX_BODY_BYTES) throw unavailable(`${url} answered more than ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw unavailable(`${url} did not answer JSON`, err);
  }
}

export function unavailable(message: string, cause?: unknown): AccessTokenError {
  return new AccessTokenError("ERR_ISSUER_UNAVAILABLE", message, [], cause === undefined ? undefined : { cause });
}
