// Reading a body no further than a bound, whatever its Content-Length said: the request body limit
// (src/http/body-limit.ts) and request objects fetched by reference (src/authorization/request-uri.ts).

export type BoundedRead =
  | { within: true; bytes: Uint8Array }
  /** More than the bound arrived: the reader is handed back unfinished (to drain or cancel), with the size read. */
  | { within: false; reader: ReadableStreamDefaultReader; size: number };

export async function readAtMost(stream: ReadableStream, maxBytes: number): Promise<BoundedRead> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    const bytes: unknown = chunk.value;
    if (!(bytes instanceof Uint8Array)) continue;
    size += bytes.byteLength;
    if (size > maxBytes) return { within: false, reader, size };
    chunks.push(bytes);
  }
  return { within: true, bytes: concat(chunks, size) };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
