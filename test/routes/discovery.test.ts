import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ISSUER } from "../helpers";

describe("discovery", () => {
  for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
    it(`${path} publishes the provider metadata, cacheably`, async () => {
      const res = await exports.default.fetch(`${ISSUER}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
      const meta = await res.json<Record<string, unknown>>();
      expect(meta.issuer).toBe(ISSUER);
      for (const endpoint of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"]) {
        expect(meta[endpoint]).toMatch(new RegExp(`^${ISSUER}/`));
      }
      expect(meta.response_types_supported).toEqual(["code"]);
      expect(meta.response_modes_supported).toEqual(["query", "fragment", "form_post"]);
      expect(meta.grant_types_supported).toContain("authorization_code");
      expect(meta.subject_types_supported).toEqual(["public", "pairwise"]);
      expect(meta.id_token_signing_alg_values_supported).toEqual(["RS256", "ES256", "PS256", "EdDSA", "HS256"]);
      expect(meta.scopes_supported).toEqual(
        expect.arrayContaining(["openid", "profile", "email", "address", "phone", "weather"]),
      );
      expect(meta.claims_supported).toEqual(expect.arrayContaining(["sub", "email", "address", "phone_number"]));
      expect(meta.token_endpoint_auth_methods_supported).toEqual([
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "none",
      ]);
      expect(meta.token_endpoint_auth_signing_alg_values_supported).toEqual([
        "HS256",
        "RS256",
        "PS256",
        "ES256",
        "EdDSA",
      ]);
      expect(meta.introspection_endpoint_auth_methods_supported).not.toContain("none");
      expect(meta.registration_endpoint).toBe(`${ISSUER}/register`);
      expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
      expect(meta.authorization_response_iss_parameter_supported).toBe(true);
      // RFC 9126 §5 and RFC 9101 §10.5: PAR, signed request objects, request_uri for PAR's own URNs.
      expect(meta.pushed_authorization_request_endpoint).toBe(`${ISSUER}/par`);
      expect(meta.require_pushed_authorization_requests).toBe(false);
      expect(meta.request_parameter_supported).toBe(true);
      expect(meta.request_uri_parameter_supported).toBe(true);
      expect(meta.require_request_uri_registration).toBe(true);
      expect(meta.request_object_signing_alg_values_supported).toEqual(["RS256", "PS256", "ES256", "EdDSA"]);
    });
  }

  it("answers unknown paths with a JSON 404", async () => {
    const res = await exports.default.fetch(`${ISSUER}/nope`);
    expect(res.status).toBe(404);
    expect((await res.json<{ error: string }>()).error).toBe("invalid_request");
  });
});

describe("jwks", () => {
  it("publishes public keys only, each with a unique kid, use and alg", async () => {
    const res = await exports.default.fetch(`${ISSUER}/jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const { keys } = await res.json<{ keys: Record<string, unknown>[] }>();
    expect(keys.map((k) => k.alg).sort()).toEqual(["ES256", "EdDSA", "PS256", "RS256"]);
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    for (const key of keys) {
      expect(key.use).toBe("sig");
      expect(typeof key.kid).toBe("string");
      for (const privatePart of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(key).not.toHaveProperty(privatePart);
    }
  });

  it("keeps the same keys across requests (generated once, stored)", async () => {
    const first = await (await exports.default.fetch(`${ISSUER}/jwks`)).json<{ keys: { kid: string }[] }>();
    const second = await (await exports.default.fetch(`${ISSUER}/jwks`)).json<{ keys: { kid: string }[] }>();
    expect(second.keys.map((k) => k.kid)).toEqual(first.keys.map((k) => k.kid));
  });
});
