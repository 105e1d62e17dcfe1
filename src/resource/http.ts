// Requests to the authorization server: through the service binding when the URL is on the issuer's origin
// (no internet hop between two Workers), through fetch() otherwise; always with a timeout and a size bound.
import { AccessTokenError } from "./errors";
import type { ResolvedOptions } from "./options";

/** Metadata, key sets and introspection answers are small; anything larger is not what we asked for. */
const MAX_BODY_BYTES = 256 * 1024;

/** RequestInit with the Fetch `cache` mode, which the bundled Workers types do not declare yet. */
export type SendInit = RequestInit & { cache?: "no-store" };

export async function send(url: string, init: SendInit, opts: ResolvedOptions): Promise<Response> {
  try {
    return await sendWithCacheFallback(url, init, opts);
  } catch (err) {
    throw unavailable(`${url} could not be reached`, err);
  }
}

/**
 * Workers honour `cache: "no-store"` from compatibility date 2024-11-11; before it, fetch() throws a TypeError
 * for the option itself. The option only keeps HTTP caches out of the way, so the request is then sent without it.
 */
async function sendWithCacheFallback(url: string, init: SendInit, opts: ResolvedOptions): Promise<Response> {
  if (init.cache === undefined) return dispatch(url, init, opts);
  try {
    return await dispatch(url, init, opts);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    const { cache: _refused, ...withoutCache } = init;
    return dispatch(url, withoutCache, opts);
  }
}

function dispatch(url: string, init: SendInit, opts: ResolvedOptions): Promise<Response> {
  const viaBinding = opts.fetcher !== undefined && new URL(url).origin === opts.issuerOrigin;
  const request: SendInit = { ...init, redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs) };
  return viaBinding && opts.fetcher ? opts.fetcher.fetch(url, request) : fetch(url, request);
}

/** GET a JSON document (RFC 8414 §3.2, RFC 7517 §5: both are JSON objects answered with 200). */
export async function getJson(
  url: string,
  opts: ResolvedOptions,
  init: SendInit = {},
): Promise<{ body: unknown; response: Response }> {
  const response = await send(url, { ...init, headers: { accept: "application/json" } }, opts);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw unavailable(`${url} answered ${response.status}`);
  }
  return { body: await readJson(response, url), response };
}

export async function readJson(response: Response, url: string): Promise<unknown> {
  const text = await readLimited(response, url);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw unavailable(`${url} did not answer JSON`, err);
  }
}

/** The body as text, read chunk by chunk and abandoned as soon as it passes MAX_BODY_BYTES. */
async function readLimited(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw tooLarge(url);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      // The stream's chunk type is `any` in the Workers types: checked, not trusted.
      const bytes: unknown = chunk.value;
      if (!(bytes instanceof Uint8Array)) throw unavailable(`${url} sent a body that is not bytes`);
      size += bytes.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge(url);
      }
      text += decoder.decode(bytes, { stream: true });
    }
  } catch (err) {
    throw err instanceof AccessTokenError ? err : unavailable(`${url} could not be read`, err);
  }
  return text + decoder.decode();
}

function tooLarge(url: string): AccessTokenError {
  return unavailable(`${url} answered more than ${MAX_BODY_BYTES} bytes`);
}

export function unavailable(message: string, cause?: unknown): AccessTokenError {
  return new AccessTokenError("ERR_ISSUER_UNAVAILABLE", message, [], cause === undefined ? undefined : { cause });
}
