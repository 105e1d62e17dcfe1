import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { basic, expectOAuthError, introspect, offlineTokens, refresh, tokenRequest, type Tokens } from "../helpers";

const WEATHER = "urn:edge-oidc:api:weather";
const cc = (client: string, secret: string, form: Record<string, string>) =>
  tokenRequest({ grant_type: "client_credentials", ...form }, basic(client, secret));

describe("resource indicators (RFC 8707) at the token endpoint", () => {
  it("the requested resource becomes the access token's only audience, whatever the scope", async () => {
    const res = await cc("demo", "demo-secret", { scope: "profile", resource: WEATHER });
    expect(res.status).toBe(200);
    const claims = decodeJwt((await res.json<Tokens>()).access_token);
    expect(claims.aud).toBe(WEATHER);
    expect(claims.scope).toBe("profile");
  });

  it("opaque tokens keep their requested audience for introspection", async () => {
    const body = await (
      await cc("demo-service-ref", "demo-service-secret", { scope: "weather", resource: WEATHER })
    ).json<Tokens>();
    const info = await (await introspect(body.access_token)).json<Record<string, unknown>>();
    expect(info).toMatchObject({ active: true, aud: WEATHER });
  });

  it("works on refresh", async () => {
    const tokens = await offlineTokens();
    const body = await (await refresh(tokens.refresh_token ?? "", { resource: WEATHER })).json<Tokens>();
    expect(decodeJwt(body.access_token).aud).toBe(WEATHER);
  });

  it("an unknown, relative or fragment resource is invalid_target, and nothing is issued or spent", async () => {
    for (const resource of ["https://unknown.example/api", "weather", `${WEATHER}#x`]) {
      await expectOAuthError(await cc("demo", "demo-secret", { scope: "profile", resource }), 400, "invalid_target");
    }
    const tokens = await offlineTokens();
    await expectOAuthError(
      await refresh(tokens.refresh_token ?? "", { resource: "https://unknown.example/" }),
      400,
      "invalid_target",
    );
    expect((await refresh(tokens.refresh_token ?? "")).status).toBe(200);
  });
});
