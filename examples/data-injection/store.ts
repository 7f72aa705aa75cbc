/**
 * The few operations the worker needs from a shared store. Redis, or the server companion's store,
 * implements them directly (`GET`, `SET … PX`, `SET … NX PX`, `DEL`); the in-memory one serves a
 * single process and the tests.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** Writes only when the key is absent (or expired) and says whether it did: the atomic claim. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  delete(key: string): Promise<void>
}

export function createMemoryStore({ now = () => Date.now() }: { now?: () => number } = {}): KeyValueStore {
  const entries = new Map<string, { value: string; expiresAt: number }>()

  function live(key: string): string | undefined {
    const entry = entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt > now()) return entry.value
    entries.delete(key)
    return undefined
  }

  function write(key: string, value: string, ttlMs: number): void {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`store: ttlMs must be a positive number, got ${ttlMs}`)
    entries.set(key, { value, expiresAt: now() + ttlMs })
  }

  return {
    async get(key) {
      return live(key)
    },
    async set(key, value, ttlMs) {
      write(key, value, ttlMs)
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key) !== undefined) return false
      write(key, value, ttlMs)
      return true
    },
    async delete(key) {
      entries.delete(key)
    },
  }
}
