// The bench's second peer: oidc-provider on Redis, as it runs in production (the in-memory adapter is for
// development only). An adapter in the shape oidc-provider documents (lib/adapters/memory_adapter.js is the
// reference): one Redis key per model instance with its TTL; single-use models (codes, refresh tokens) as a hash
// so that consuming one is one HSET; per grant, a list of the keys issued from it, so revoking the grant deletes
// them all. And a private redis-server on a free loopback port, without persistence, for the bench's run only.
import { spawn } from "node:child_process";
import Redis from "ioredis";

const SINGLE_USE = new Set(["AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);
const OF_A_GRANT = new Set([...SINGLE_USE, "AccessToken"]);

/** An oidc-provider adapter class over one ioredis client. */
export function redisAdapter(client) {
  return class RedisAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      const tx = client.multi();
      if (SINGLE_USE.has(this.model)) {
        tx.del(key).hset(key, "payload", JSON.stringify(payload));
        if (expiresIn) tx.expire(key, expiresIn);
      } else if (expiresIn) {
        tx.set(key, JSON.stringify(payload), "EX", expiresIn);
      } else {
        tx.set(key, JSON.stringify(payload));
      }
      if (OF_A_GRANT.has(this.model) && payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        tx.rpush(grantKey, key);
        // The list lives as long as its longest-lived member (GT: never shortened).
        if (expiresIn) tx.expire(grantKey, expiresIn, "GT").expire(grantKey, expiresIn, "NX");
      }
      for (const [field, value] of [
        ["uid", payload.uid],
        ["userCode", payload.userCode],
      ]) {
        if (value) tx.set(`${field}:${value}`, id, "EX", expiresIn);
      }
      await tx.exec();
    }

    async find(id) {
      if (!SINGLE_USE.has(this.model)) {
        const raw = await client.get(this.key(id));
        return raw ? JSON.parse(raw) : undefined;
      }
      const { payload, consumed } = await client.hgetall(this.key(id));
      if (!payload) return undefined;
      return { ...JSON.parse(payload), ...(consumed ? { consumed: Number(consumed) } : {}) };
    }

    async findByUid(uid) {
      const id = await client.get(`uid:${uid}`);
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode) {
      const id = await client.get(`userCode:${userCode}`);
      return id ? this.find(id) : undefined;
    }

    async consume(id) {
      await client.hset(this.key(id), "consumed", Math.floor(Date.now() / 1000));
    }

    async destroy(id) {
      await client.del(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const grantKey = `grant:${grantId}`;
      const keys = await client.lrange(grantKey, 0, -1);
      await client.del(...keys, grantKey);
    }
  };
}

/** Whether redis-server can be started here (Debian's redis-server package). */
export async function redisAvailable() {
  return new Promise((resolve) => {
    const probe = spawn("redis-server", ["--version"], { stdio: "ignore" });
    probe.on("error", () => resolve(false));
    probe.on("exit", (code) => resolve(code === 0));
  });
}

/** A private redis-server on `port` (loopback, no persistence); resolves once it answers PING. */
export async function startRedis(port) {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections while redis-server starts are expected; each attempt's failure is handled below.
  client.on("error", () => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (attempt > 100 || child.exitCode !== null) throw new Error("redis-server did not start", { cause: err });
      client.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid,
    flush: () => client.flushall(),
    stop: async () => {
      client.disconnect();
      child.kill("SIGTERM");
    },
  };
}
