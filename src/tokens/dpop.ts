// DPoP (RFC 9449) at the provider: the one proof of a request, checked by the shared verifier
// (src/resource/dpop-proof.ts), its jti spent once in an AssertionReplay object (§11.1), and the server nonces (§8).
//
// htu: a proof names the endpoint URL the client was given, `${ISSUER}/token` or `${ISSUER}/userinfo` (discovery),
// not the URL the Worker happens to see: behind a proxy or on a custom route the two differ, and what the client
// signed is the issuer's URL.
//
// Nonces are stateless: the HMAC (key derived from SESSION_SECRET) of the issuer and the current time step
// (config.dpop.nonceRotationSeconds). The current and the previous step's nonce are accepted, so a client holding
// the last nonce it was given is asked again at most once per step, and no storage is read. DPOP_NONCE = "off"
// turns them off.
import { base64url } from "jose";
import { nowSeconds } from "../clock";
import { config } from "../config";
import { useDpopProof } from "../durable/assertion-replay";
import type { Env } from "../env";
import { invalidDpopProof, useDpopNonce, type OAuthError } from "../errors";
import { derivedKey } from "../lib/crypto";
import { DpopProofError, verifyDpopProof, type VerifiedDpopProof } from "../resource/dpop-proof";

export type { VerifiedDpopProof } from "../resource/dpop-proof";

/**
 * Where the provider reads proofs: the token endpoint (§5), the PAR endpoint (§10.1, binding the code) and its own
 * protected resource, userinfo (§7).
 */
export type DpopEndpoint = "token" | "par" | "userinfo";

/** How an endpoint answers a refused proof: the error code, why, and the nonce to retry with when nonces are on. */
export type DpopRefusal = (
  error: "invalid_dpop_proof" | "use_dpop_nonce",
  description: string,
  nonce: string | undefined,
) => OAuthError;

export interface DpopRequest {
  method: string;
  headers: Headers;
}

const NONCE_PURPOSE = "edge-oidc dpop nonce v1";
const encoder = new TextEncoder();

/** Nonces are on unless the deployment turned them off. */
function dpopNoncesOn(env: Env): boolean {
  return env.DPOP_NONCE !== "off";
}

/** The nonce to hand out now (§8.1), or undefined when nonces are off. */
export async function currentDpopNonce(env: Env): Promise<string | undefined> {
  return dpopNoncesOn(env) ? nonceOfStep(env, currentStep()) : undefined;
}

/**
 * The request's proof, checked (§4.3 items 1-11; item 12, replay, is spendDpopProof's), or undefined when it has none.
 * Throws the endpoint's error for a refused proof.
 */
export async function checkedDpopProof(
  env: Env,
  request: DpopRequest,
  endpoint: DpopEndpoint,
  refuse: DpopRefusal,
  accessToken?: string,
): Promise<VerifiedDpopProof | undefined> {
  // Headers joins repeated fields with ", "; a JWT has no comma, so a comma means more than one header.
  const header = request.headers.get("dpop");
  if (header === null) return undefined;
  // §4.3 item 1: "that there is not more than one DPoP HTTP request header field".
  if (header.includes(",")) throw refuse("invalid_dpop_proof", "more than one DPoP header", undefined);
  try {
    return await verifyDpopProof(header.trim(), {
      method: request.method,
      url: `${env.ISSUER}/${endpoint}`,
      algorithms: config.dpop.signingAlgorithms,
      now: nowSeconds(),
      windowSeconds: config.dpop.proofWindowSeconds,
      accessToken,
      nonceAccepted: dpopNoncesOn(env) ? (nonce) => nonceAccepted(env, nonce) : undefined,
    });
  } catch (err) {
    if (!(err instanceof DpopProofError)) throw err;
    throw refuse(err.error, err.message, await currentDpopNonce(env));
  }
}

/** §4.3 item 12 and §11.1: the proof's jti, used once anywhere until the proof could no longer be accepted. */
export async function spendDpopProof(env: Env, proof: VerifiedDpopProof, refuse: DpopRefusal): Promise<void> {
  if (!(await useDpopProof(env, proof.jkt, proof.jti, proof.iat, config.dpop.proofWindowSeconds))) {
    throw refuse("invalid_dpop_proof", "the DPoP proof has already been used", await currentDpopNonce(env));
  }
}

/** How the token and PAR endpoints refuse a proof: §5.2 invalid_dpop_proof, or §8 use_dpop_nonce (400 with the nonce). */
export const refuseAsJson: DpopRefusal = (error, description, nonce) =>
  error === "use_dpop_nonce" && nonce !== undefined ? useDpopNonce(nonce) : invalidDpopProof(description);

/** A checked proof whose jti is still to be spent: spend() once the request has shown it is worth a storage call. */
export interface PendingDpopProof extends VerifiedDpopProof {
  /** Records the jti (one Durable Object call); refuses a replay. Idempotent. */
  spend(): Promise<void>;
  readonly spent: boolean;
}

/**
 * checkedDpopProof now, spendDpopProof later: a stranger's request refused for its client, code, token or parameters
 * makes no Durable Object call for its proof (the jti of a proof never accepted need not be remembered).
 */
export async function pendingDpopProof(
  env: Env,
  request: DpopRequest,
  endpoint: DpopEndpoint,
  refuse: DpopRefusal,
): Promise<PendingDpopProof | undefined> {
  const proof = await checkedDpopProof(env, request, endpoint, refuse);
  if (!proof) return undefined;
  let spent = false;
  return {
    ...proof,
    get spent() {
      return spent;
    },
    async spend() {
      if (spent) return;
      await spendDpopProof(env, proof, refuse);
      spent = true;
    },
  };
}

function currentStep(): number {
  return Math.floor(nowSeconds() / config.dpop.nonceRotationSeconds);
}

/** §8: the nonce of this step or of the one before (a nonce handed out just before a rotation stays good). */
async function nonceAccepted(env: Env, nonce: string | undefined): Promise<boolean> {
  if (nonce === undefined) return false;
  const step = currentStep();
  const [current, previous] = await Promise.all([nonceOfStep(env, step), nonceOfStep(env, step - 1)]);
  return nonce === current || nonce === previous;
}

/** Nonces of recent steps, per isolate: one HMAC per rotation step, not one per response. */
const recentNonces = new Map<string, Promise<string>>();
const RECENT_NONCES_LIMIT = 8;

function nonceOfStep(env: Env, step: number): Promise<string> {
  const input = `${env.ISSUER} ${step}`;
  let nonce = recentNonces.get(input);
  if (!nonce) {
    if (recentNonces.size >= RECENT_NONCES_LIMIT) recentNonces.clear();
    nonce = macOf(env, input);
    recentNonces.set(input, nonce);
    nonce.catch(() => recentNonces.delete(input));
  }
  return nonce;
}

async function macOf(env: Env, input: string): Promise<string> {
  const key = await derivedKey("SESSION_SECRET", env.SESSION_SECRET, NONCE_PURPOSE, { name: "HMAC", hash: "SHA-256" }, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(input));
  return base64url.encode(new Uint8Array(mac));
}
