// @vitest-environment node
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SigningKeyInput, Store, TokenServiceOptions } from 'widget-token-server'
import { createService, ORG, tokenRequest } from './helpers'
import { storesToTest } from './redis'

// The shared key ring against both stores: the memory store runs everywhere, Redis where a server answers.

const STORE_COMMAND_BOUND = 500

/** Fails loudly instead of spinning: a ring that loops on the store runs into this bound, not the test's time limit. */
function bounded(store: Store): Store {
  let calls = 0
  const count = () => {
    if (++calls > STORE_COMMAND_BOUND) throw new Error(`over ${STORE_COMMAND_BOUND} store commands for one test: a loop`)
  }
  return {
    get: async (key) => (count(), store.get(key)),
    set: async (key, value, ttlMs) => (count(), store.set(key, value, ttlMs)),
    setIfAbsent: async (key, value, ttlMs) => (count(), store.setIfAbsent(key, value, ttlMs)),
    delete: async (key) => (count(), store.delete(key)),
    increment: async (key, ttlMs) => (count(), store.increment(key, ttlMs)),
  }
}

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

let clock = Date.UTC(2026, 10, 25, 9)
const now = () => clock

const ecKey = async (): Promise<SigningKeyInput> => ({ privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' })
let [first, second, third] = [] as SigningKeyInput[]
beforeAll(async () => {
  ;[first, second, third] = await Promise.all([ecKey(), ecKey(), ecKey()])
})

const backends = await storesToTest(now, cleanup)

function instance(store: Store, options: Partial<TokenServiceOptions>) {
  const created = createService({ store: bounded(store), now, algorithm: undefined, refreshWindowSeconds: 0.001, ...options })
  cleanup.push(() => created.service.close())
  return created
}

const kidOf = async (key: SigningKeyInput) => {
  const probe = createService({ keys: [key] })
  cleanup.push(() => probe.service.close())
  return (await probe.service.jwks()).keys[0]!.kid!
}

describe.each(backends)('the shared key ring on %s', (_, openStore) => {
  it('answers 503 keys_unavailable, with one log line naming the kids, when the schedule names none of its keys', async () => {
    const store = await openStore()
    const a = instance(store, { keys: [first!] })
    expect((await a.service.fetch(tokenRequest())).status).toBe(200)
    const b = instance(store, { keys: [second!, third!] })

    const refused = await b.service.fetch(tokenRequest('/token', { session: 'b' }))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('30')
    expect(((await refused.json()) as { code: string }).code).toBe('keys_unavailable')
    await expect(b.service.issue('visitor')).rejects.toMatchObject({ code: 'keys_unavailable', status: 503 })
    const lines = b.logger.warn.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('keys_unavailable'))
    expect(lines).toHaveLength(1)
    for (const key of [first!, second!, third!]) expect(lines[0]).toContain(await kidOf(key))
    expect(b.logger.error).not.toHaveBeenCalled()
  })

  it('signs with the scheduled key when it has it among others', async () => {
    const store = await openStore()
    const a = instance(store, { keys: [first!] })
    const signedByA = decodeProtectedHeader((await a.service.issue('visitor')).token).kid
    const b = instance(store, { keys: [second!, first!] })
    expect(decodeProtectedHeader((await b.service.issue('visitor')).token).kid).toBe(signedByA)
  })

  it('keeps signing with the rotated key after the store loses its schedule (a flush)', async () => {
    const store = await openStore()
    const a = instance(store, { keys: [first!, second!], jwksMaxAgeSeconds: 60 })
    const { kid } = await a.service.rotate()
    clock += 60_000
    expect(decodeProtectedHeader((await a.service.issue('visitor')).token).kid).toBe(kid)
    await store.delete(`enterprise-portal-auth/${ORG}:keyring:schedule`)
    expect(await store.get(`enterprise-portal-auth/${ORG}:keyring:schedule`)).toBeUndefined()

    expect(decodeProtectedHeader((await a.service.issue('visitor')).token).kid).toBe(kid)
    const b = instance(store, { keys: [first!, second!] })
    expect(decodeProtectedHeader((await b.service.issue('visitor')).token).kid).toBe(kid)
  })

  it('schedules a new first key from a keys function on every instance, once all have had time to publish it', async () => {
    const store = await openStore()
    let current = [first!]
    const options = { keys: async () => current, keysRefreshSeconds: 1, jwksMaxAgeSeconds: 60 }
    const a = instance(store, options)
    const b = instance(store, options)
    await Promise.all([a.service.ready(), b.service.ready()])
    current = [second!, first!]
    // Real timers here: each instance reads its keys again within a second.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    for (const { service } of [a, b]) {
      expect((await service.jwks()).keys.map((key) => key.kid)).toContain(await kidOf(second!))
      expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(await kidOf(first!))
    }
    clock += 61_000
    for (const { service } of [a, b]) expect(decodeProtectedHeader((await service.issue('visitor')).token).kid).toBe(await kidOf(second!))
  })

  it('gives one session one token per refresh window across instances, and a dropped token a new one', async () => {
    const store = await openStore()
    const a = instance(store, { keys: [first!], refreshWindowSeconds: 10 })
    const b = instance(store, { keys: [first!], refreshWindowSeconds: 10 })
    const ask = async (service: typeof a.service, reason: string) =>
      ((await (await service.fetch(tokenRequest('/token/refresh', { session: 'window', body: JSON.stringify({ reason }) }))).json()) as { token: string }).token
    const held = await ask(a.service, 'schedule')
    expect(await ask(b.service, 'visible')).toBe(held)
    const fresh = await ask(b.service, 'disconnect')
    expect(fresh).not.toBe(held)
    expect(await ask(a.service, 'tab')).toBe(fresh)
  })
})
