// DPoP test support: a client's key pair and the proofs it signs (jose, as a client library would), and requests to
// the provider carrying them. The provider's clock (src/clock.ts) is the one the proofs' iat follows.
import { exports } from "cloudflare:workers";
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { nowSeconds } from "../../src/clock";
import { DPOP_PROOF_TYP } from "../../src/resource/dpop-proof";
import { DEMO_REDIRECT, ISSUER, admin, basic } from "../helpers";

export const TOKEN_URL = `${ISSUER}/token`;
export const USERINFO_URL = `${ISSUER}/userinfo`;

export interface ProofOptions {
  htm?: string | undefined;
  htu?: string | undefined;
  iat?: number | undefined;
  jti?: string | undefined;
  nonce?: string | undefined;
  /** The access token whose hash goes into ath. */
  accessToken?: string | undefined;
  /** Claims to add, or to drop (undefined). */
  claims?: Record<string, unknown>;
  /** Protected header members to add or replace. */
  header?: Record<string, unknown>;
}

export class DpopKey {
  private constructor(
    readonly alg: string,
    private readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly jkt: string,
  ) {}

  static async generate(alg = "ES256"): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new DpopKey(alg, privateKey, publicJwk, await calculateJwkThumbprint(publicJwk, "sha256"));
  }

  async privateJwk(): Promise<JWK> {
    return exportJWK(this.privateKey);
  }

  /** A proof for POST /token unless told otherwise. */
  async proof(options: ProofOptions = {}): Promise<string> {
    const payload: Record<string, unknown> = {
      jti: options.jti ?? crypto.randomUUID(),
      htm: options.htm ?? "POST",
      htu: options.htu ?? TOKEN_URL,
      iat: options.iat ?? nowSeconds(),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      ...(options.accessToken === undefined ? {} : { ath: await ath(options.accessToken) }),
    };
    // undefined drops a claim: JSON leaves out undefined members.
    return new SignJWT({ ...payload, ...options.claims })
      .setProtectedHeader({ alg: this.alg, typ: DPOP_PROOF_TYP, jwk: this.publicJwk, ...options.header })
      .sign(this.privateKey);
  }
}

export async function ath(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken));
  return base64url.encode(new Uint8Array(digest));
}

/** A POST to the token endpoint with the given DPoP header values (none, one, or several). */
export function dpopTokenRequest(
  form: Record<string, string>,
  authorization: string | undefined,
  proofs: string[],
): Promise<Response> {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  if (authorization) headers.set("authorization", authorization);
  for (const proof of proofs) headers.append("DPoP", proof);
  return exports.default.fetch(TOKEN_URL, { method: "POST", headers, body: new URLSearchParams(form).toString() });
}

/** The nonce the token endpoint hands out now (any answer to a request with a proof carries one while nonces are on). */
export async function currentNonce(): Promise<string> {
  const res = await exports.default.fetch(TOKEN_URL, { method: "POST", headers: { dpop: "not-a-proof" } });
  await res.body?.cancel();
  const nonce = res.headers.get("dpop-nonce");
  if (!nonce) throw new Error("no DPoP-Nonce from the token endpoint");
  return nonce;
}

export const SERVICE = basic("demo-service", "demo-service-secret");
export const SERVICE_REF = basic("demo-service-ref", "demo-service-secret");
export const CLIENT_CREDENTIALS = { grant_type: "client_credentials", scope: "weather" };

/** client_credentials for demo-service with one proof of `key` carrying the current nonce. */
export async function boundClientCredentials(key: DpopKey, authorization = SERVICE): Promise<Response> {
  return dpopTokenRequest(CLIENT_CREDENTIALS, authorization, [await key.proof({ nonce: await currentNonce() })]);
}

/** A userinfo GET with an Authorization header and optional proof. */
export function userinfoRequest(authorization: string, proof?: string, method = "GET"): Promise<Response> {
  const headers = new Headers({ authorization });
  if (proof !== undefined) headers.set("DPoP", proof);
  return exports.default.fetch(USERINFO_URL, { method, headers });
}

/** A confidential code-flow client with opaque access tokens (kept by reference in its grants' records). */
export async function opaqueWebClient(): Promise<{ client: { client_id: string }; authorization: string }> {
  const created = await admin("/clients", "POST", {
    client_name: "Opaque web app",
    redirect_uris: [DEMO_REDIRECT],
    grant_types: ["authorization_code"],
    scope: "openid profile",
    access_token_format: "opaque",
    skip_consent: true,
  });
  if (created.status !== 201) throw new Error(`client not created: ${created.status}`);
  const client = await created.json<{ client_id: string; client_secret: string }>();
  return { client, authorization: basic(client.client_id, client.client_secret) };
}
