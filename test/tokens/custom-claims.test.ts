// Extra ID-token claims per client: static values and claims mapped from user attributes (client.custom_claims).
import { describe, expect, it } from "vitest";
import { ISSUER, verifyWithJwks } from "../helpers";
import { registerClient, tokensFor, userinfoFetch } from "./fixtures";

describe("custom ID-token claims per client", () => {
  it("adds static and mapped claims, never overriding the protocol claims", async () => {
    await registerClient({
      client_id: "claims-client",
      custom_claims: {
        static: { tenant: "acme", groups: ["staff", "ops"], iss: "https://evil.example", sub: "someone-else" },
        mapped: { full_name: "name", mail: "email", missing: "no_such_attribute" },
      },
    });
    // openid only: the mapped values come from the client's mapping, not from the profile or email scopes.
    const tokens = await tokensFor("claims-client", { scope: "openid" });
    const claims = await verifyWithJwks(tokens.id_token ?? "", "claims-client");
    expect(claims).toMatchObject({
      tenant: "acme",
      groups: ["staff", "ops"],
      full_name: "Sam Spoon",
      mail: "spoon@example.com",
    });
    expect(claims).not.toHaveProperty("missing");
    expect(claims).not.toHaveProperty("name");
    expect(claims.iss).toBe(ISSUER);
    expect(claims.sub).toBe("8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    // They are ID-token claims: userinfo answers what the scopes release.
    expect(Object.keys(await (await userinfoFetch(tokens.access_token)).json<Record<string, unknown>>())).toEqual([
      "sub",
    ]);
  });

  it("a client with static claims only, and the claims parameter, combine", async () => {
    await registerClient({ client_id: "static-only", custom_claims: { static: { plan: "gold" } } });
    const claims = JSON.stringify({ id_token: { locale: null } });
    const tokens = await tokensFor("static-only", { scope: "openid", claims });
    const idToken = await verifyWithJwks(tokens.id_token ?? "", "static-only");
    expect(idToken).toMatchObject({ plan: "gold", locale: "en-US" });
  });
});
