// Where an API remembers the DPoP proofs it has accepted, so none is accepted twice (RFC 9449 §11.1). A proof
// need only be remembered while its iat is inside the window; after that the verifier refuses it anyway.
// Two stores: isolate memory (the default: free, but it only sees the requests its own isolate served) and a
// Durable Object per proof (every request for one proof meets in one object, wherever on the edge it arrived).
import type { FetcherLike } from "./options";

/** Remembers keys until a given time. */
export interface DpopReplayStore {
  /**
   * Marks `key` used until `until` (epoch seconds). Resolves true if it was not in use (the proof may be
   * accepted), false if it was (a replay); rejects if the store cannot say.
   */
  use(key: string, until: number): Promise<boolean>;
}

/** Far more proofs than one isolate sees within a window; bounds the memory a flood of proofs can take. */
const MAX_REMEMBERED = 50_000;

/**
 * A store in this isolate's memory. Cloudflare runs many isolates of a Worker, in many locations, so a proof
 * replayed to another isolate (another location, or the same one under load) is not caught: use
 * durableReplayStore for replay detection across the whole edge. Bounded: past MAX_REMEMBERED entries the
 * oldest go first, expired or not (with one window for all proofs, the oldest are also the first to expire).
 */
export class MemoryReplayStore implements DpopReplayStore {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    private readonly capacity = MAX_REMEMBERED,
  ) {}

  use(key: string, until: number): Promise<boolean> {
    const now = this.now();
    const known = this.until.get(key);
    if (known !== undefined && known >= now) return Promise.resolve(false);
    this.until.delete(key);
    this.evict(now);
    this.until.set(key, until);
    return Promise.resolve(true);
  }

  private evict(now: number): void {
    for (const [key, until] of this.until) {
      if (this.until.size < this.capacity && until >= now) return;
      this.until.delete(key);
    }
  }
}

/** The default store: one per isolate, shared by every options object that names no store of its own. */
export const isolateReplayStore: DpopReplayStore = new MemoryReplayStore();

/** A Durable Object namespace (DurableObjectNamespace) bound to DpopReplayObject. */
export interface ReplayNamespaceLike<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): FetcherLike;
}

/** The object's one request; the host is never resolved (a stub's fetch goes to the object). */
const USE_URL = "https://dpop-replay.invalid/use";
/** The one storage key in each object: until when its proof is remembered (epoch seconds). */
const UNTIL_KEY = "until";

/**
 * A store that asks one Durable Object per proof (named by the key): concurrent requests carrying the same
 * proof all reach that object, which lets exactly one through. One Durable Object request per DPoP request.
 */
export function durableReplayStore<Id>(namespace: ReplayNamespaceLike<Id>): DpopReplayStore {
  // One store per namespace, so options built per request from c.env name the same store each time.
  let store = durableStores.get(namespace);
  if (store) return store;
  store = {
    async use(key, until) {
      const stub = namespace.get(namespace.idFromName(key));
      const response = await stub.fetch(USE_URL, { method: "POST", body: String(until) });
      await response.body?.cancel();
      if (response.status === 204) return true;
      if (response.status === 409) return false;
      throw new Error(`the DPoP replay object answered ${response.status}`);
    },
  };
  durableStores.set(namespace, store);
  return store;
}

const durableStores = new WeakMap<object, DpopReplayStore>();

/** What the object uses of its DurableObjectState (named structurally: this module also type-checks outside Workers). */
interface ReplayObjectState {
  readonly storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: number): Promise<void>;
    setAlarm(scheduledTime: number): Promise<void>;
    deleteAll(): Promise<void>;
  };
}

/**
 * The Durable Object behind durableReplayStore. Export it from the API's Worker and bind it (wrangler.toml:
 * `[[durable_objects.bindings]] name = "DPOP_REPLAY"`, `class_name = "DpopReplayObject"`, and a migration with
 * `new_sqlite_classes = ["DpopReplayObject"]`). Each object remembers one proof and deletes itself (an alarm
 * empties its storage) once the proof is outside the window.
 */
export class DpopReplayObject {
  constructor(private readonly state: ReplayObjectState) {}

  async fetch(request: Request): Promise<Response> {
    const until = Number(await request.text());
    if (request.method !== "POST" || !Number.isSafeInteger(until)) return new Response(null, { status: 400 });
    // The input gate holds other requests to this object while storage is read and written, so of concurrent
    // requests for one proof exactly one finds it unused.
    if ((await this.state.storage.get<number>(UNTIL_KEY)) !== undefined) return new Response(null, { status: 409 });
    await this.state.storage.put(UNTIL_KEY, until);
    await this.state.storage.setAlarm(until * 1000);
    return new Response(null, { status: 204 });
  }

  async alarm(): Promise<void> {
    await this.state.storage.deleteAll();
  }
}
