// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryStore, createRedisStore, type Store } from 'widget-token-server'
import { connect, redisAvailable, uniquePrefix } from './redis'

afterEach(() => {
  vi.useRealTimers()
})

function contract(name: string, setUp: () => { store: Store; advance: (ms: number) => Promise<void> }) {
  describe(name, () => {
    it('reads what it wrote until it expires', async () => {
      const { store, advance } = setUp()
      await store.set('a', 'one', 200)
      expect(await store.get('a')).toBe('one')
      await advance(250)
      expect(await store.get('a')).toBeUndefined()
    })

    it('sets if absent, once', async () => {
      const { store } = setUp()
      expect(await store.setIfAbsent('b', 'first', 10_000)).toBe(true)
      expect(await store.setIfAbsent('b', 'second', 10_000)).toBe(false)
      expect(await store.get('b')).toBe('first')
      await store.delete('b')
      expect(await store.setIfAbsent('b', 'third', 10_000)).toBe(true)
    })

    it('counts within a window that starts at the first increment', async () => {
      const { store, advance } = setUp()
      expect(await Promise.all([store.increment('c', 200), store.increment('c', 200), store.increment('c', 200)])).toEqual([1, 2, 3])
      await advance(250)
      expect(await store.increment('c', 200)).toBe(1)
    })
  })
}

contract('the memory store', () => {
  vi.useFakeTimers()
  return { store: createMemoryStore(), advance: async (ms) => void vi.advanceTimersByTime(ms) }
})

const available = await redisAvailable()

describe.skipIf(!available)('with Redis', () => {
  const client = connect()
  beforeAll(() => client.connect())
  afterAll(() => client.disconnect())
  // Redis expires keys on its own clock: these waits are Redis's, a quarter of a second each.
  contract('the Redis store', () => ({
    store: createRedisStore(client, { prefix: uniquePrefix() }),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }))
})

describe('the memory store under many sessions', () => {
  it('keeps a write cheap however many entries are alive: expired ones go in amortised sweeps', async () => {
    let now = 0
    const store = createMemoryStore({ now: () => now })
    const checked: number[] = []
    const entries = Map.prototype[Symbol.iterator]
    // Counts how many entries sweeps walk over while 20,000 live entries are written.
    Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
      checked.push(this.size)
      return entries.call(this)
    }
    try {
      for (let index = 0; index < 20_000; index++) await store.set(`refresh:${index}`, 'token', 60_000)
    } finally {
      Map.prototype[Symbol.iterator] = entries
    }
    expect(checked.reduce((sum, size) => sum + size, 0)).toBeLessThan(2 * 20_000)

    now = 60_001
    await store.set('late', 'x', 1000)
    for (let index = 0; index < 20_000; index++) await store.set(`again:${index}`, 'token', 60_000)
    expect(await store.get('refresh:0')).toBeUndefined()
  })
})
