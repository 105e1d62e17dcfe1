// A DPoP client for the verifier's tests: a real key pair (jose + Web Crypto) and proofs signed with it, each
// claim overridable to build the broken ones (RFC 9449 §4.2).
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type GenerateKeyPairResult,
  type JWK,
} from "jose";
import { DPOP_PROOF_TYP, accessTokenHash } from "../../src/resource/dpop-proof";

type ProofAlg = "ES256" | "EdDSA" | "RS256" | "PS256";

export interface ProofOverrides {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  /** The access token the proof is for (ath); `null` leaves ath out. */
  accessToken?: string | null;
  ath?: string;
  typ?: string;
  /** A nonce the server gave out (§9). */
  nonce?: string;
}

export class DpopClient {
  private constructor(
    readonly alg: ProofAlg,
    private readonly privateKey: GenerateKeyPairResult["privateKey"],
    readonly publicJwk: JWK,
    /** RFC 7638 thumbprint of the public key: the cnf.jkt of the tokens bound to it. */
    readonly jkt: string,
    private readonly clock: { now: number },
  ) {}

  static async create(clock: { now: number }, alg: ProofAlg = "ES256"): Promise<DpopClient> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new DpopClient(alg, privateKey, publicJwk, await calculateJwkThumbprint(publicJwk, "sha256"), clock);
  }

  /** A proof for `method url`, with ath for `accessToken` (§4.2), unless overridden. */
  async proof(method: string, url: string, accessToken: string, overrides: ProofOverrides = {}): Promise<string> {
    const token = overrides.accessToken === undefined ? accessToken : overrides.accessToken;
    const payload: Record<string, unknown> = {
      htm: overrides.htm ?? method,
      htu: overrides.htu ?? url,
      iat: overrides.iat ?? this.clock.now,
      jti: overrides.jti ?? crypto.randomUUID(),
    };
    const ath = overrides.ath ?? (token === null ? undefined : await accessTokenHash(token));
    if (ath !== undefined) payload.ath = ath;
    if (overrides.nonce !== undefined) payload.nonce = overrides.nonce;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: this.alg, typ: overrides.typ ?? DPOP_PROOF_TYP, jwk: this.publicJwk })
      .sign(this.privateKey);
  }
}
