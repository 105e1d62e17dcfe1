// Fetching a small document from a URL a client gave us (a sector_identifier_uri, a registered request_uri): 200
// only, no redirects followed, a timeout, and the body read no further than a bound whatever Content-Length said.
// Where the URL may point (https, no private network) is the caller's to check first.
import { readAtMost } from "./streams";

export interface DocumentLimits {
  timeoutMs: number;
  maxBytes: number;
  accept: string;
}

/** The document's text; throws an Error saying why not (for the log: callers answer their own error). */
export async function fetchDocument(uri: string, limits: DocumentLimits): Promise<string> {
  const res = await fetch(uri, {
    redirect: "manual",
    signal: AbortSignal.timeout(limits.timeoutMs),
    headers: { accept: limits.accept },
  });
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (res.status !== 200 || declared > limits.maxBytes) {
    await res.body?.cancel();
    throw new Error(`status ${res.status}, ${declared} bytes`);
  }
  if (!res.body) return "";
  const read = await readAtMost(res.body, limits.maxBytes);
  if (!read.within) {
    await read.reader.cancel();
    throw new Error("too large");
  }
  return new TextDecoder().decode(read.bytes);
}
