// Shared request/response helpers of the admin API.
import type { Context } from "hono";
import * as v from "valibot";
import { invalidRequest } from "../../errors";
import { jsonObjectBody } from "../../http/params";

/** The JSON object body of an admin request. */
export async function jsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await jsonObjectBody(c);
  if (!body.ok) throw invalidRequest(body.problem);
  return body.object;
}

/** A JSON body validated by a schema; anything else is invalid_request with the first issue. */
export async function jsonBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const parsed = v.safeParse(schema, await jsonObject(c));
  if (!parsed.success) {
    const [issue] = parsed.issues;
    const path = v.getDotPath(issue);
    throw invalidRequest(`${path ? `${path}: ` : ""}${issue.message}`);
  }
  return parsed.output;
}

/** Every record under a KV prefix that passes its schema (records that do not are skipped and logged). */
export async function listRecords<S extends v.GenericSchema>(
  kv: KVNamespace,
  prefix: string,
  schema: S,
): Promise<v.InferOutput<S>[]> {
  const records: v.InferOutput<S>[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
    const values = await Promise.all(page.keys.map((k) => kv.get(k.name, "json")));
    for (const value of values) {
      const parsed = v.safeParse(schema, value);
      if (parsed.success) records.push(parsed.output);
      else console.error("skipping a record that failed validation under", prefix);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return records;
}
