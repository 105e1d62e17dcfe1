// id_token_hint (OIDC Core §3.1.2.1): an ID token this provider issued to the client, expired or not. It may be
// signed with a provider key or, for HS256 clients, with the client's secret (§10.1); its sub is the one the
// client sees (pairwise for pairwise clients, src/tokens/subject.ts).
import { decodeProtectedHeader } from "jose";
import { recoverClientSecret } from "../clients/secrets";
import type { Client } from "../clients/schema";
import type { Env } from "../env";
import { verifyOwnJwt, type OwnJwtOptions } from "./verify";

/** The hint's sub, or a thrown error when it is not an ID token from this provider for this client. */
export async function idTokenHintSubject(env: Env, client: Client, hint: string): Promise<string> {
  return (await verifyIdTokenHint(env, client, hint)).sub;
}

/** What a valid hint says: the sub and the session's sid, as this client sees them (sid when it had one). */
export async function verifyIdTokenHint(
  env: Env,
  client: Client,
  hint: string,
): Promise<{ sub: string; sid: string | undefined }> {
  const options: OwnJwtOptions = {
    audience: client.client_id,
    // "the ID Token ... MAY have expired": only the signature, issuer, audience and kind count.
    anyExpiry: true,
    // Our ID tokens are typ JWT with azp; a signed userinfo response or an access token (at+jwt) is no hint.
    typ: "JWT",
    requiredClaims: ["azp", "iat", "exp"],
  };
  const secret = await hintSecret(env, client, hint);
  const payload = await verifyOwnJwt(env, hint, secret === undefined ? options : { ...options, clientSecret: secret });
  if (typeof payload.sub !== "string" || payload.azp !== client.client_id)
    throw new Error("the hint is not an ID token for this client");
  return { sub: payload.sub, sid: typeof payload.sid === "string" ? payload.sid : undefined };
}

/** OIDC Core §10.1: an HS256 hint is verified with the secret of the client it names, and only for HS256 clients. */
async function hintSecret(env: Env, client: Client, hint: string): Promise<string | undefined> {
  if (decodeProtectedHeader(hint).alg !== "HS256") return undefined;
  const secret = client.id_token_signed_response_alg === "HS256" ? await recoverClientSecret(env, client) : null;
  if (!secret) throw new Error("HS256 hint for a client without HS256 ID tokens");
  return secret;
}
