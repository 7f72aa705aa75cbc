// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../examples/data-injection/store'

function storeAt(start = 1_000_000) {
  const clock = { now: start }
  return { clock, store: createMemoryStore({ now: () => clock.now }) }
}

describe('the in-memory store', () => {
  it('claims a key only while nobody holds it', async () => {
    const { store } = storeAt()
    expect(await store.setIfAbsent('injection:c1', 'worker-a', 1000)).toBe(true)
    expect(await store.setIfAbsent('injection:c1', 'worker-b', 1000)).toBe(false)
    expect(await store.get('injection:c1')).toBe('worker-a')
  })

  it('frees a claim when its time to live runs out', async () => {
    const { clock, store } = storeAt()
    await store.setIfAbsent('injection:c1', 'worker-a', 1000)
    clock.now += 1000
    expect(await store.get('injection:c1')).toBeUndefined()
    expect(await store.setIfAbsent('injection:c1', 'worker-b', 1000)).toBe(true)
  })

  it('overwrites with set and frees with delete', async () => {
    const { store } = storeAt()
    await store.set('injection:c1', 'claimed', 1000)
    await store.set('injection:c1', 'done', 5000)
    expect(await store.get('injection:c1')).toBe('done')
    await store.delete('injection:c1')
    expect(await store.setIfAbsent('injection:c1', 'again', 1000)).toBe(true)
  })

  it('refuses a time to live that is not a positive number', async () => {
    const { store } = storeAt()
    await expect(store.set('k', 'v', 0)).rejects.toThrow(RangeError)
    await expect(store.setIfAbsent('k', 'v', Number.NaN)).rejects.toThrow(RangeError)
  })
})
