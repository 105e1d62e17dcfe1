// The audit log: one JSON line per security event, with identifiers only. Each test records what the provider wrote
// to the log and checks the event is there, and that no password, secret, code or token is anywhere in the log.
import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { Browser, ISSUER, basic, codeFor, redeem, revoke, tokenRequest, type Tokens } from "../helpers";

let log: MockInstance<typeof console.log>;
beforeEach(() => {
  log = vi.spyOn(console, "log");
});
afterEach(() => {
  log.mockRestore();
});

/** Every line written to the log during the test, as text. */
const lines = () =>
  log.mock.calls.map((args) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));

function auditEvents(): Record<string, unknown>[] {
  return lines().flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === "object" && parsed !== null && "audit" in parsed ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

const expectNowhereInLog = (...secrets: string[]) => {
  for (const secret of secrets) for (const line of lines()) expect(line).not.toContain(secret);
};

describe("audit log", () => {
  it("a failed and a successful login: events with a username hash and a sub, never the password or username", async () => {
    const guess = "Guessed-Pa55word!";
    await tokenRequest(
      { grant_type: "password", username: "spoon", password: guess, scope: "openid" },
      basic("demo", "demo-secret"),
    );
    await tokenRequest(
      { grant_type: "password", username: "fork", password: "fork", scope: "openid" },
      basic("demo", "demo-secret"),
    );
    const events = auditEvents();
    expect(events).toContainEqual(
      expect.objectContaining({ event: "login.failed", usernameHash: expect.any(String) as string }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ event: "login.succeeded", sub: expect.any(String) as string }),
    );
    expectNowhereInLog(guess, '"spoon"', 'fork",');
  });

  it("a replayed code and a revocation: events naming the client, never the code or token", async () => {
    const code = await codeFor(new Browser());
    const tokens = await (await redeem(code)).json<Tokens>();
    await redeem(code);
    const issued = await (await redeem(await codeFor(new Browser()))).json<Tokens>();
    await revoke(issued.access_token);
    const events = auditEvents();
    expect(events).toContainEqual(expect.objectContaining({ event: "code.replayed", clientId: "demo" }));
    expect(events).toContainEqual(expect.objectContaining({ event: "token.revoked", clientId: "demo" }));
    expectNowhereInLog(code, tokens.access_token, issued.access_token, code.split(".")[1] ?? code);
  });

  it("an administrator's client creation: an event, never the generated secret", async () => {
    const res = await exports.default.fetch(`${ISSUER}/admin/clients`, {
      method: "POST",
      headers: { authorization: "Bearer dev-admin-token", "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: ["https://audit.example.com/cb"], client_id: "audit-client" }),
    });
    expect(res.status).toBe(201);
    const { client_secret: secret } = await res.json<{ client_secret: string }>();
    expect(auditEvents()).toContainEqual(
      expect.objectContaining({ event: "client.created", clientId: "audit-client", by: "admin" }),
    );
    expectNowhereInLog(secret);
  });
});
