/**
 * Where the token service (and anything else on the server side) keeps state that several instances
 * must share. Values are strings; every write has an expiry. Implementations must make
 * `setIfAbsent` and `increment` atomic across instances.
 */
export interface Store {
  get(key: string): Promise<string | undefined>
  /** Writes `value`, replacing any, for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** Writes `value` for `ttlMs` only if `key` holds nothing; true if it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  delete(key: string): Promise<void>
  /** Adds one to a counter that starts at 0 and expires `ttlMs` after its first increment; returns the new value. */
  increment(key: string, ttlMs: number): Promise<number>
}

/** The store's backend failed: the service refuses (503) rather than act without its guarantees. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  constructor(options?: { cause?: unknown }) {
    super('widget-token-server: the shared store is unavailable', options)
  }
}

/** One process's memory: the default, right for a single instance. */
export function createMemoryStore({ now = () => Date.now() }: { now?: () => number } = {}): Store {
  const entries = new Map<string, { value: string; expiresAt: number }>()
  const live = (key: string) => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  // Expired entries go when the map has doubled since the last sweep: memory stays within twice what
  // is alive, and a write costs O(1) on average instead of a walk over every entry.
  let sweepAbove = 1000
  const sweep = () => {
    const at = now()
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key)
    sweepAbove = Math.max(1000, entries.size * 2)
  }
  return {
    async get(key) {
      return live(key)?.value
    },
    async set(key, value, ttlMs) {
      if (entries.size > sweepAbove) sweep()
      entries.set(key, { value, expiresAt: now() + ttlMs })
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false
      await this.set(key, value, ttlMs)
      return true
    },
    async delete(key) {
      entries.delete(key)
    },
    async increment(key, ttlMs) {
      const entry = live(key)
      const value = Number(entry?.value ?? 0) + 1
      if (!entry && entries.size > sweepAbove) sweep()
      entries.set(key, { value: String(value), expiresAt: entry?.expiresAt ?? now() + ttlMs })
      return value
    },
  }
}

const unavailable = (error: unknown) => {
  throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
}

// A store that throws where it should reject (a client not yet connected) is as unavailable as one that rejects.
const guarded = <T>(command: () => Promise<T>): Promise<T> => new Promise<T>((resolve) => resolve(command())).catch(unavailable)

/**
 * The same store seen under `namespace`: what one service writes, another with its own namespace
 * never reads. Any store's failure reads as {@link StoreUnavailableError}, so it is a 503, not a 500.
 */
export function scopeStore(store: Store, namespace: string): Store {
  return {
    get: (key) => guarded(() => store.get(namespace + key)),
    set: (key, value, ttlMs) => guarded(() => store.set(namespace + key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => guarded(() => store.setIfAbsent(namespace + key, value, ttlMs)),
    delete: (key) => guarded(() => store.delete(namespace + key)),
    increment: (key, ttlMs) => guarded(() => store.increment(namespace + key, ttlMs)),
  }
}

/** The commands of an `ioredis` client the Redis store uses. */
export interface RedisClientLike {
  get(key: string): Promise<string | null>
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, keyCount: number, ...args: Array<string | number>): Promise<unknown>
  /** ioredis reports connection failures as `error` events; the store listens so none goes unhandled. */
  on?(event: 'error', listener: (error: Error) => void): unknown
}

export interface RedisStoreOptions {
  /** Put before every key. Default `widget-token:`. */
  prefix?: string | undefined
  /** A command without an answer by then fails (the service answers 503). Default 1000. */
  commandTimeoutMs?: number | undefined
}

const INCREMENT = `local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return value`

function withinMs<T>(operation: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    ;(timer as { unref?: () => void }).unref?.()
  })
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A store in Redis, shared by every instance that uses the same server and `prefix`. A hung Redis
 * holds no request longer than `commandTimeoutMs`; connection errors are left to the service, which
 * logs each outage once.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const store = createRedisStore(new Redis(process.env.REDIS_URL))
 * ```
 */
export function createRedisStore(client: RedisClientLike, { prefix = 'widget-token:', commandTimeoutMs = 1000 }: RedisStoreOptions = {}): Store {
  if (typeof commandTimeoutMs !== 'number' || !(commandTimeoutMs > 0) || !Number.isFinite(commandTimeoutMs)) {
    throw new TypeError(`widget-token-server: commandTimeoutMs must be a positive number of milliseconds, not ${String(commandTimeoutMs)}: e.g. 1000 (the default)`)
  }
  // Without a listener ioredis prints every failed reconnection; the service's store_down line replaces them.
  client.on?.('error', () => {})
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await withinMs(operation(), commandTimeoutMs)
    } catch (error) {
      throw new StoreUnavailableError({ cause: error })
    }
  }
  const ttl = (ms: number) => Math.max(1, Math.ceil(ms))
  return {
    get: (key) => guard(async () => (await client.get(prefix + key)) ?? undefined),
    set: (key, value, ttlMs) => guard(async () => void (await client.set(prefix + key, value, 'PX', ttl(ttlMs)))),
    setIfAbsent: (key, value, ttlMs) => guard(async () => (await client.set(prefix + key, value, 'PX', ttl(ttlMs), 'NX')) === 'OK'),
    delete: (key) => guard(async () => void (await client.del(prefix + key))),
    increment: (key, ttlMs) => guard(async () => Number(await client.eval(INCREMENT, 1, prefix + key, ttl(ttlMs)))),
  }
}
