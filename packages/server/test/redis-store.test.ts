// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRedisStore, StoreUnavailableError, type RedisClientLike } from 'widget-token-server'
import { scopeStore } from '../src/store'

// The Redis store against a stand-in as strict as Redis about what ioredis sends: whole positive
// millisecond expiries, NX answered with null, errors for anything else. The real server is in
// store.test.ts and redis-client.test.ts.

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 25, 9) })
})
afterEach(() => {
  vi.useRealTimers()
})

function fakeRedis() {
  const entries = new Map<string, { value: string; expiresAt: number }>()
  const listeners: Array<(error: Error) => void> = []
  const live = (key: string) => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key)
    return entries.get(key)
  }
  const expiry = (ttl: unknown) => {
    if (!Number.isInteger(ttl) || (ttl as number) <= 0) throw new Error("ERR invalid expire time in 'set' command")
    return Date.now() + (ttl as number)
  }
  const client = {
    listeners,
    entries,
    hang: false,
    async get(key: string) {
      if (client.hang) return new Promise<never>(() => {})
      return live(key)?.value ?? null
    },
    async set(key: string, value: string, px: string, ttl: number, nx?: string) {
      if (px !== 'PX' || (nx !== undefined && nx !== 'NX')) throw new Error('ERR syntax error')
      const expiresAt = expiry(ttl)
      if (nx && live(key)) return null
      entries.set(key, { value, expiresAt })
      return 'OK'
    },
    async del(key: string) {
      return entries.delete(key) ? 1 : 0
    },
    async eval(script: string, keyCount: number, key: string, ttl: number) {
      if (keyCount !== 1 || !script.includes("redis.call('INCR', KEYS[1])")) throw new Error('ERR unexpected script')
      const entry = live(key)
      const value = Number(entry?.value ?? 0) + 1
      entries.set(key, { value: String(value), expiresAt: value === 1 ? expiry(ttl) : entry!.expiresAt })
      return value
    },
    on(event: string, listener: (error: Error) => void) {
      if (event === 'error') listeners.push(listener)
      return client
    },
  }
  return client
}

describe('createRedisStore', () => {
  it('keeps every key under its prefix, the default widget-token:', async () => {
    const redis = fakeRedis()
    await createRedisStore(redis).set('a', 'one', 1000)
    await createRedisStore(redis, { prefix: 'tenant-b:' }).set('a', 'two', 1000)
    expect([...redis.entries.keys()]).toEqual(['widget-token:a', 'tenant-b:a'])
    expect(await createRedisStore(redis).get('a')).toBe('one')
  })

  it('sends whole milliseconds of at least one, and reads nothing back as undefined', async () => {
    const store = createRedisStore(fakeRedis())
    await store.set('a', 'one', 0.2)
    expect(await store.setIfAbsent('b', 'two', 1.5)).toBe(true)
    expect(await store.setIfAbsent('b', 'three', 1000)).toBe(false)
    vi.advanceTimersByTime(1)
    expect(await store.get('a')).toBeUndefined()
    expect(await store.get('b')).toBe('two')
    vi.advanceTimersByTime(1)
    expect(await store.get('b')).toBeUndefined()
  })

  it('counts in a window that starts at the first increment, and deletes', async () => {
    const store = createRedisStore(fakeRedis())
    expect([await store.increment('c', 100), await store.increment('c', 100)]).toEqual([1, 2])
    vi.advanceTimersByTime(100)
    expect(await store.increment('c', 100)).toBe(1)
    await store.set('d', 'x', 1000)
    await store.delete('d')
    expect(await store.get('d')).toBeUndefined()
  })

  it('fails a command Redis does not answer within commandTimeoutMs, and not before', async () => {
    const redis = fakeRedis()
    const store = createRedisStore(redis, { commandTimeoutMs: 300 })
    redis.hang = true
    const outcome = store.get('a').then(
      () => 'answered',
      (error: unknown) => error,
    )
    await vi.advanceTimersByTimeAsync(299)
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    const error = (await outcome) as StoreUnavailableError
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error.cause as Error).message).toBe('no answer within 300 ms')
  })

  it('waits a second by default', async () => {
    const redis = fakeRedis()
    const store = createRedisStore(redis)
    redis.hang = true
    const outcome = store.get('a').catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(999)
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcome).toBeInstanceOf(StoreUnavailableError)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('turns every command’s failure into a StoreUnavailableError with its cause', async () => {
    const failing = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')), del: () => Promise.reject(new Error('down')), eval: () => Promise.reject(new Error('down')) }
    const store = createRedisStore(failing as unknown as RedisClientLike)
    for (const command of [store.get('a'), store.set('a', 'b', 1), store.setIfAbsent('a', 'b', 1), store.delete('a'), store.increment('a', 1)]) {
      await expect(command).rejects.toMatchObject({ name: 'StoreUnavailableError', cause: { message: 'down' } })
    }
  })

  it('listens to the client’s error events, so none goes unhandled', () => {
    const redis = fakeRedis()
    createRedisStore(redis)
    expect(redis.listeners).toHaveLength(1)
    expect(() => redis.listeners[0]!(new Error('ECONNREFUSED'))).not.toThrow()
  })
})

describe('a store scoped to one service', () => {
  it('reads and writes only under its namespace, and reports any failure as the store being unavailable', async () => {
    const redis = fakeRedis()
    const store = scopeStore(createRedisStore(redis, { prefix: '' }), 'tenant-a:')
    await store.set('k', 'v', 1000)
    expect(await store.setIfAbsent('n', 'v', 1000)).toBe(true)
    expect(await store.increment('c', 1000)).toBe(1)
    expect([...redis.entries.keys()]).toEqual(['tenant-a:k', 'tenant-a:n', 'tenant-a:c'])
    expect(await store.get('k')).toBe('v')
    await store.delete('k')
    expect(redis.entries.has('tenant-a:k')).toBe(false)

    const broken = new Error('not a store error')
    const failing = scopeStore({ get: () => Promise.reject(broken), set: () => Promise.reject(broken), setIfAbsent: () => Promise.reject(broken), delete: () => Promise.reject(broken), increment: () => Promise.reject(broken) }, 'x:')
    for (const command of [failing.get('a'), failing.set('a', 'b', 1), failing.setIfAbsent('a', 'b', 1), failing.delete('a'), failing.increment('a', 1)]) {
      await expect(command).rejects.toMatchObject({ name: 'StoreUnavailableError', cause: broken })
    }
  })
})
