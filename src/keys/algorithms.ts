// One table entry per signing algorithm (STYLE.md, after panva/jose): nothing downstream switches on names.
import type { SigningAlgorithm } from "../config";

interface AlgorithmEntry {
  /** Hash for at_hash / c_hash (OIDC Core §3.1.3.6): the hash of the JWS alg; Ed25519 uses SHA-512. */
  hash: "SHA-256" | "SHA-512";
}

export const algorithms: Record<SigningAlgorithm, AlgorithmEntry> = {
  RS256: { hash: "SHA-256" },
  PS256: { hash: "SHA-256" },
  ES256: { hash: "SHA-256" },
  EdDSA: { hash: "SHA-512" },
};
