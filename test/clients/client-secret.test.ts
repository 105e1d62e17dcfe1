import { describe, expect, it } from "vitest";
import { basic, expectOAuthError, tokenRequest } from "../helpers";

async function expectInvalidClient(res: Response): Promise<void> {
  expect(res.headers.get("www-authenticate")).toBeTruthy();
  await expectOAuthError(res, 401, "invalid_client");
}

const cc = { grant_type: "client_credentials" };

describe("client_secret_basic, client_secret_post and none (RFC 6749 §2.3)", () => {
  it("accepts each client with its registered method", async () => {
    expect((await tokenRequest(cc, basic("demo", "demo-secret"))).status).toBe(200);
    expect((await tokenRequest({ ...cc, client_id: "demo-post", client_secret: "demo-secret" })).status).toBe(200);
    // A public client authenticates with none: its client_id identifies it; the grant decides what it may do.
    await expectOAuthError(await tokenRequest({ ...cc, client_id: "demo-spa" }), 400, "unauthorized_client");
  });

  it("refuses a wrong secret, an unknown client and no credentials at all", async () => {
    await expectInvalidClient(await tokenRequest(cc, basic("demo", "wrong")));
    await expectInvalidClient(await tokenRequest({ ...cc, client_id: "demo-post", client_secret: "wrong" }));
    await expectInvalidClient(await tokenRequest(cc, basic("nobody", "demo-secret")));
    await expectInvalidClient(await tokenRequest(cc));
  });

  it("refuses a method other than the registered one", async () => {
    await expectInvalidClient(await tokenRequest({ ...cc, client_id: "demo", client_secret: "demo-secret" }));
    await expectInvalidClient(await tokenRequest(cc, basic("demo-post", "demo-secret")));
    await expectInvalidClient(await tokenRequest({ ...cc, client_id: "demo" }));
    await expectInvalidClient(await tokenRequest({ ...cc, client_id: "demo-spa", client_secret: "anything" }));
  });

  it("refuses more than one method in one request (invalid_request)", async () => {
    await expectOAuthError(
      await tokenRequest({ ...cc, client_secret: "demo-secret" }, basic("demo", "demo-secret")),
      400,
      "invalid_request",
    );
  });
});
