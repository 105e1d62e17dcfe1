import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedDemoData } from "../../src/demo/seed";

describe("demo seed", () => {
  it("is idempotent: a second run changes nothing", async () => {
    await seedDemoData(env);
    const before = await env.USERS.get("user:8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c");
    await seedDemoData(env);
    expect(await env.USERS.get("user:8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c")).toBe(before);
    const clients = await env.CLIENTS.list({ prefix: "client:demo" });
    expect(clients.keys.map((k) => k.name).sort()).toEqual([
      "client:demo",
      "client:demo-post",
      "client:demo-service",
      "client:demo-service-ref",
      "client:demo-spa",
    ]);
  });

  it("hashes passwords with PBKDF2 at no more than the 100,000 iterations Workers allows", async () => {
    await seedDemoData(env);
    const user = await env.USERS.get<{ password: { alg: string; iterations: number } }>(
      "user:8a6f1c2e-5b7d-4e0a-9c3f-0d1e2f3a4b5c",
      "json",
    );
    expect(user?.password.alg).toBe("PBKDF2-SHA256");
    expect(user?.password.iterations).toBeLessThanOrEqual(100_000);
    expect(JSON.stringify(user)).not.toContain('"spoon"}');
  });
});
