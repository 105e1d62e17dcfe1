// What the bench Worker's Durable Objects do to their storage and to each other, counted per flow (issue 19): the
// billable lines of a stateful flow on Cloudflare besides the Worker's own request and CPU.
//   - rows written: each key a put or delete touches (the sync and async KV APIs both store one SQLite row per
//     key), each key deleteAll removes, and each alarm set (Cloudflare bills setAlarm as one row written);
//   - alarms set, and alarm runs (each run is a billed Durable Object request);
//   - objects created: an object whose storage was empty when it first wrote;
//   - object-to-object calls: calls one object makes on another's stub (the Worker's own calls are counted by
//     provider-worker.ts).
// The objects' busy time is not timed here (inside workerd the clock stands still between I/O events): the report
// estimates it from these counts and what this host charges per call, write and new object (BenchProbe).
// Each real class is subclassed; the subclass gives the real one a context whose storage counts and an env whose
// stubs count. Runtime methods are always called on the real objects (workerd refuses a Proxy as `this`).
import type { DurableObject } from "cloudflare:workers";
import type { Env } from "../../src/env";

export const storageCounts = {
  rowsWritten: 0,
  alarmsSet: 0,
  alarmRuns: 0,
  objectsCreated: 0,
  objectCalls: 0,
};

type Counter = () => void;

/** `target` with its methods bound to it, and `count(name, args)` called before each call of a method. */
function metered<T extends object>(target: T, count: (name: string, args: unknown[]) => void): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        if (typeof prop === "string") count(prop, args);
        return Reflect.apply(value, obj, args);
      };
    },
  });
}

/** Keys a put or delete touches: one key, or (async API) an object or array of them. */
function keysTouched(args: unknown[]): number {
  const [first] = args;
  if (Array.isArray(first)) return first.length;
  if (typeof first === "object" && first !== null) return Object.keys(first).length;
  return 1;
}

function meteredStorage(storage: DurableObjectStorage, firstWrite: Counter): DurableObjectStorage {
  const write = (rows: number) => {
    firstWrite();
    storageCounts.rowsWritten += rows;
  };
  const kv = metered(storage.kv, (name, args) => {
    if (name === "put" || name === "delete") write(keysTouched(args));
  });
  return new Proxy(storage, {
    get(obj, prop) {
      if (prop === "kv") return kv;
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        if (prop === "put" || prop === "delete") write(keysTouched(args));
        if (prop === "setAlarm") {
          write(1);
          storageCounts.alarmsSet++;
        }
        if (prop === "deleteAll") write([...obj.kv.list()].length);
        return Reflect.apply(value, obj, args);
      };
    },
  });
}

/** A stub whose calls are counted (`then` left alone: a stub is not a promise). */
function countedStub<T extends object>(stub: T, onCall: Counter): T {
  return new Proxy(stub, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== "function" || typeof prop !== "string" || prop === "then") return value;
      return (...args: unknown[]): unknown => {
        onCall();
        return Reflect.apply(value, obj, args);
      };
    },
  });
}

/** A namespace whose stubs count each call with `onCall` (ids and the like are not calls). */
export function countedNamespace<T extends object>(namespace: T, onCall: Counter): T {
  return new Proxy(namespace, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== "function") return value;
      if (prop !== "get") return value.bind(obj) as unknown;
      return (...args: unknown[]): unknown => {
        const stub: unknown = Reflect.apply(value, obj, args);
        return typeof stub === "object" && stub !== null ? countedStub(stub, onCall) : stub;
      };
    },
  });
}

/** The objects' own env: the same bindings, with calls on stubs counted as object-to-object calls. */
function objectEnv<E extends object>(env: E): E {
  const countCall = () => {
    storageCounts.objectCalls++;
  };
  return new Proxy(env, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      const isNamespace = typeof value === "object" && value !== null && "idFromName" in value;
      return isNamespace ? countedNamespace(value, countCall) : value;
    },
  });
}

type ObjectClass = new (ctx: DurableObjectState, env: Env) => DurableObject<Env>;

/** The class `Real` with metered storage, counted calls to other objects and counted alarm runs. */
export function meteredClass<C extends ObjectClass>(Real: C): C {
  // @ts-expect-error TS2545: a mixin must take (...args: any[]); this one takes the runtime's (ctx, env).
  return class extends Real {
    constructor(ctx: DurableObjectState, env: Env) {
      let fresh = [...ctx.storage.kv.list({ limit: 1 })].length === 0;
      const firstWrite = () => {
        if (fresh) storageCounts.objectsCreated++;
        fresh = false;
      };
      const storage = meteredStorage(ctx.storage, firstWrite);
      const meteredCtx = new Proxy(ctx, {
        get(obj, prop) {
          if (prop === "storage") return storage;
          const value: unknown = Reflect.get(obj, prop);
          return typeof value === "function" ? (value.bind(obj) as unknown) : value;
        },
      });
      super(ctx, env);
      // The runtime's base class insists on the real state object; the subclass then sees the metered one.
      Object.defineProperty(this, "ctx", { value: meteredCtx });
      Object.defineProperty(this, "env", { value: objectEnv(env) });
    }

    override async alarm(): Promise<void> {
      storageCounts.alarmRuns++;
      await super.alarm?.();
    }
  };
}
