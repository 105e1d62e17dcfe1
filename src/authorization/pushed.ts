// Pushed authorization requests (RFC 9126): a validated request is stored in its own PushedRequest object at the
// PAR endpoint (one write) and taken back, once, at /authorize (one call). The request_uri names the object and
// carries a random secret: `urn:ietf:params:oauth:request_uri:<object id hex>.<secret>`.
import * as v from "valibot";
import type { Client } from "../clients/schema";
import { nowSeconds } from "../clock";
import { config } from "../config";
import type { Env } from "../env";
import { invalidRequestUri } from "../errors";
import { randomToken } from "../lib/crypto";
import { PUSHED_REQUEST_URN_PREFIX, objects } from "../storage";
import { AuthorizationRequest } from "./request";

export interface PushedRequestUri {
  request_uri: string;
  expires_in: number;
}

/** RFC 9126 §2.2: stores the request and answers its request_uri and lifetime. */
export async function pushRequest(env: Env, request: AuthorizationRequest): Promise<PushedRequestUri> {
  const lifetime = config.lifetimes.pushedRequest;
  const id = objects.newPushedRequestId(env);
  const secret = randomToken(16);
  await objects.pushedRequest(env, id).push({
    v: 1,
    secret,
    client_id: request.client_id,
    expires_at: nowSeconds() + lifetime,
    request: JSON.stringify(request),
  });
  return { request_uri: `${PUSHED_REQUEST_URN_PREFIX}${id.toString()}.${secret}`, expires_in: lifetime };
}

/** Whether this request_uri is one of the kind we issue (others are request_uri_not_supported). */
export function isPushedRequestUri(requestUri: string): boolean {
  return requestUri.startsWith(PUSHED_REQUEST_URN_PREFIX);
}

/**
 * The pushed request behind `requestUri`, used up: RFC 9126 §4, the request_uri is single use, refused once
 * expired, and only the client that pushed it may use it. Every failure is invalid_request_uri (RFC 9101 §7).
 */
export async function takePushedRequest(env: Env, client: Client, requestUri: string): Promise<AuthorizationRequest> {
  const [hex = "", secret = "", ...rest] = requestUri.slice(PUSHED_REQUEST_URN_PREFIX.length).split(".");
  const id = rest.length === 0 ? objects.pushedRequestIdFromHex(env, hex) : null;
  const record = id && secret ? await objects.pushedRequest(env, id).take(secret, client.client_id) : null;
  if (!record || nowSeconds() >= record.expires_at) {
    throw invalidRequestUri("request_uri is invalid, expired, already used, or not this client's");
  }
  return storedRequest(record.request);
}

function storedRequest(json: string): AuthorizationRequest {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  const parsed = v.safeParse(AuthorizationRequest, value);
  if (!parsed.success) throw invalidRequestUri("request_uri is invalid");
  return parsed.output;
}
