// Opaque access tokens, asked about at the authorization server's introspection endpoint (RFC 7662), with
// a short isolate-memory cache of the answers (token-cache.ts). Only the answer is cached, never a decision:
// the checks below run on every request, with the verifier's current options and clock.
import * as v from "valibot";
import { audiences, toClaims, type AccessTokenClaims } from "./claims";
import { discoveredEndpoint } from "./discovery";
import { AccessTokenError } from "./errors";
import { readJson, send, unavailable } from "./http";
import type { ResolvedOptions } from "./options";
import { AnswerCache } from "./token-cache";

type IntrospectionConfig = NonNullable<ResolvedOptions["introspection"]>;

/** RFC 7662 §2.2: `active` is REQUIRED; everything else is optional. */
const Answer = v.looseObject({
  active: v.boolean(),
  scope: v.optional(v.string()),
  client_id: v.optional(v.string()),
  sub: v.optional(v.string()),
  token_type: v.optional(v.string()),
  iss: v.optional(v.string()),
  aud: v.optional(v.union([v.string(), v.array(v.string())])),
  exp: v.optional(v.number()),
  nbf: v.optional(v.number()),
  iat: v.optional(v.number()),
});

type IntrospectionAnswer = v.InferOutput<typeof Answer>;

const answers = new AnswerCache<IntrospectionAnswer>();

export async function introspect(token: string, opts: ResolvedOptions): Promise<AccessTokenClaims> {
  const config = opts.introspection;
  if (!config) {
    throw new AccessTokenError("ERR_TOKEN_OPAQUE_NOT_ACCEPTED", "the access token is not a JWT");
  }
  const endpoint = config.endpoint ?? (await discoveredEndpoint(opts, "introspection_endpoint"));
  const answer = await answers.get(
    { endpoint, clientId: config.clientId, token, now: opts.now() },
    { positive: config.cacheSeconds, negative: config.negativeCacheSeconds },
    () => ask(endpoint, token, config, opts),
  );
  return check(answer, opts);
}

/** One introspection request (RFC 7662 §2.1), authenticated as a client with client_secret_basic. */
async function ask(
  endpoint: string,
  token: string,
  config: IntrospectionConfig,
  opts: ResolvedOptions,
): Promise<IntrospectionAnswer> {
  const response = await send(
    endpoint,
    {
      method: "POST",
      headers: {
        // RFC 7662 §2.1: "the protected resource MUST ... authenticate"; RFC 6749 §2.3.1: the client id and
        // secret are form-urlencoded before they are joined and base64-encoded.
        authorization: `Basic ${btoa(`${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`)}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
    },
    opts,
  );
  if (response.status !== 200) {
    await response.body?.cancel();
    // 401 here means our own credentials were refused: a configuration problem, not the caller's token.
    throw unavailable(`the introspection endpoint answered ${response.status}`);
  }
  const parsed = v.safeParse(Answer, await readJson(response, endpoint));
  if (!parsed.success) throw unavailable("the introspection answer is malformed");
  return parsed.output;
}

function check(answer: IntrospectionAnswer, opts: ResolvedOptions): AccessTokenClaims {
  // RFC 7662 §2.2: active false means the token is revoked, expired, unknown, or not for us to know about.
  if (!answer.active) throw new AccessTokenError("ERR_TOKEN_INACTIVE", "the access token is not active");
  const now = opts.now();
  // The answer may be up to the cache lifetime old: re-check the times it carries.
  if (answer.exp !== undefined && answer.exp <= now - opts.clockTolerance) {
    throw new AccessTokenError("ERR_TOKEN_EXPIRED", "the access token expired");
  }
  if (answer.nbf !== undefined && answer.nbf > now + opts.clockTolerance) {
    throw new AccessTokenError("ERR_TOKEN_NOT_YET_VALID", "the access token is not valid yet");
  }
  // RFC 6750 §1 bearer tokens, and RFC 9449 §6.2 DPoP-bound ones (token_type DPoP, with cnf.jkt: verify.ts then
  // requires a proof signed by that key). Any other sender-constrained type cannot be checked here.
  if (answer.token_type !== undefined && !knownType(answer)) {
    throw new AccessTokenError("ERR_TOKEN_WRONG_TYPE", "the access token is neither a bearer nor a DPoP token");
  }
  if (answer.iss !== undefined && answer.iss !== opts.issuer) {
    throw new AccessTokenError("ERR_TOKEN_WRONG_ISSUER", "the access token was issued by another issuer");
  }
  // RFC 7662 §4: the resource must make sure the token was meant for it. An answer without aud cannot show
  // that, so it is refused, exactly as RFC 9068 §4 refuses a JWT whose aud does not name this API.
  if (!audiences(answer.aud).includes(opts.audience)) {
    throw new AccessTokenError("ERR_TOKEN_WRONG_AUDIENCE", "the access token is not meant for this API");
  }
  return toClaims("opaque", answer.iss ?? opts.issuer, answer);
}

function knownType(answer: IntrospectionAnswer): boolean {
  const type = answer.token_type?.toLowerCase();
  if (type === "bearer") return true;
  const cnf = answer.cnf;
  return type === "dpop" && typeof cnf === "object" && cnf !== null && "jkt" in cnf;
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
