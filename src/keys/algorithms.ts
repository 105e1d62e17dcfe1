// One table entry per JWS algorithm (after panva/jose): nothing downstream switches on names.
import type { SigningAlgorithm } from "../config";

/** Every algorithm an ID token may be signed with: the provider's own keys, or HS256 with the client secret. */
export type JwsAlgorithm = SigningAlgorithm | "HS256";

interface AlgorithmEntry {
  /** Hash for at_hash / c_hash (OIDC Core §3.1.3.6): the hash of the JWS alg; Ed25519 uses SHA-512. */
  hash: "SHA-256" | "SHA-512";
  /** Whose key signs: one of the provider's published keys, or the client's own secret (OIDC Core §10.1). */
  key: "provider" | "client-secret";
}

export const algorithms: Record<JwsAlgorithm, AlgorithmEntry> = {
  RS256: { hash: "SHA-256", key: "provider" },
  PS256: { hash: "SHA-256", key: "provider" },
  ES256: { hash: "SHA-256", key: "provider" },
  EdDSA: { hash: "SHA-512", key: "provider" },
  HS256: { hash: "SHA-256", key: "client-secret" },
};

/** Whether one of the provider's published keys signs with this algorithm (else the client's secret does). */
export function signsWithProviderKey(alg: JwsAlgorithm): alg is SigningAlgorithm {
  return algorithms[alg].key === "provider";
}
