// The request body limit. Hono's bodyLimit answers 413 as soon as the limit is passed and leaves the rest of the
// body unread; clients then often see the connection reset (ECONNRESET, or a 503 from a proxy) instead of the 413.
// So an oversized body is read to its end and discarded, up to a bound, before the answer: the client gets the 413.
// Within the limit, a body of declared length passes untouched and a chunked one is buffered once and handed on, as
// Hono's middleware does.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { requestRefused } from "../errors";
import { readAtMost } from "../lib/streams";
import { errorJson } from "./errors";

/** How much of an oversized body is read and discarded before answering; beyond it the connection may drop. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

export function bodyLimit(maxBytes: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header("transfer-encoding") === undefined ? c.req.header("content-length") : undefined;
    // The runtime delimits a body of declared length: within the limit it needs no counting.
    if (declared !== undefined && /^\d{1,15}$/.test(declared) && Number(declared) <= maxBytes) return next();
    const read = await readAtMost(body, maxBytes);
    if (!read.within) return tooLarge(read.reader, read.size);
    c.req.raw = new Request(c.req.raw, { body: read.bytes });
    return next();
  });
}

async function tooLarge(reader: ReadableStreamDefaultReader, readSoFar: number): Promise<Response> {
  let size = readSoFar;
  try {
    while (size <= DRAIN_LIMIT_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const bytes: unknown = chunk.value;
      size += bytes instanceof Uint8Array ? bytes.byteLength : 0;
    }
    if (size > DRAIN_LIMIT_BYTES) await reader.cancel();
  } catch {
    // The client went away: nobody reads the answer either.
  }
  return errorJson(requestRefused(413, "the request body is too large"));
}
