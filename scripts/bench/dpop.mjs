// DPoP proofs for the bench driver (RFC 9449 §4.2): one ES256 key per side, a fresh proof per request, and the
// server's nonce (§8) kept and renewed as the server hands out new ones. Proofs are signed in the driver's process,
// so their cost is on neither server's CPU.
import { SignJWT, exportJWK, generateKeyPair } from "jose";

export async function dpopProver(tokenEndpoint) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  let nonce;
  const proof = () =>
    new SignJWT({ htm: "POST", htu: tokenEndpoint, jti: crypto.randomUUID(), ...(nonce ? { nonce } : {}) })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
      .setIssuedAt()
      .sign(privateKey);
  const post = async (fields, authorization) =>
    fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization, dpop: await proof() },
      body: new URLSearchParams(fields),
    });
  return {
    /** A token request with a proof; a use_dpop_nonce answer is retried once with the nonce it carries. */
    async tokenRequest(fields, authorization) {
      for (let attempt = 0; ; attempt++) {
        const res = await post(fields, authorization);
        nonce = res.headers.get("dpop-nonce") ?? nonce;
        const body = JSON.parse(await res.text());
        if (res.status === 200) return body;
        if (attempt > 0 || body.error !== "use_dpop_nonce") throw new Error(`DPoP token: ${res.status} ${body.error}`);
      }
    },
  };
}
