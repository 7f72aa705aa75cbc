// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { createMemoryStore, StoreUnavailableError, type OperatorEvent, type SigningKeyInput, type Store, type TokenService } from 'widget-token-server'
import { createService, ORG, runOnFakeTime, tokenRequest } from './helpers'
import { exportJWK, generateKeyPair } from 'jose'

// What an operator sees: refusals that mean a misconfiguration or an outage, in the log at warn
// (once per reason per minute, with a count) and as data through onEvent.

let service: TokenService

runOnFakeTime()

const warnings = (logger: { warn: { mock: { calls: unknown[][] } } }) => logger.warn.mock.calls.map(([line]) => String(line))

describe('operator visibility', () => {
  it('logs foreign_origin at warn once a minute, with how many were not logged, and hands each to onEvent', async () => {
    const events: OperatorEvent[] = []
    const created = createService({ onEvent: (event) => events.push(event) })
    service = created.service
    for (let index = 0; index < 5; index++) await service.fetch(tokenRequest('/token', { origin: 'https://evil.example' }))
    expect(warnings(created.logger).filter((line) => line.includes('foreign_origin'))).toHaveLength(1)
    vi.advanceTimersByTime(60_000)
    await service.fetch(tokenRequest('/token', { origin: 'https://evil.example' }))

    const lines = warnings(created.logger).filter((line) => line.includes('foreign_origin'))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^widget-token-server: refused POST \/api\/v1\/embedded-cx\/token: 403 foreign_origin/)
    expect(lines[1]).toContain('4 more like it in the last 60 s were not logged')
    expect(events).toHaveLength(6)
    expect(events[0]).toEqual({ type: 'refused', code: 'foreign_origin', status: 403, method: 'POST', path: '/api/v1/embedded-cx/token', message: expect.any(String), context: { expected: ['https://portal.example'], received: 'https://evil.example' } })
  })

  it('logs rate_limited, and each reason on its own schedule', async () => {
    const created = createService({ sessionRateLimit: { points: 1, durationSeconds: 60 }, refreshWindowSeconds: 0.001 })
    service = created.service
    await service.fetch(tokenRequest())
    await service.fetch(tokenRequest())
    await service.fetch(tokenRequest('/token', { origin: null }))
    const lines = warnings(created.logger)
    expect(lines.filter((line) => line.includes(' 429 rate_limited'))).toHaveLength(1)
    expect(lines.filter((line) => line.includes(' 403 foreign_origin'))).toHaveLength(1)
  })

  it('does not log what a visitor’s own mistake causes: 401, 404, 405', async () => {
    const created = createService()
    service = created.service
    await service.fetch(tokenRequest('/token', { session: '' }))
    await service.fetch(tokenRequest('/nowhere'))
    await service.fetch(new Request('https://portal.example/api/v1/embedded-cx/token'))
    expect(warnings(created.logger).filter((line) => line.includes('refused'))).toEqual([])
  })

  it('logs a drift halt as an alert without any hook, and the refusals it causes', async () => {
    const events: OperatorEvent[] = []
    const created = createService({ clock: { readTime: () => Date.now() - 3_600_000 }, onEvent: (event) => events.push(event) })
    service = created.service
    expect((await service.fetch(tokenRequest())).status).toBe(503)
    const lines = warnings(created.logger)
    expect(lines.find((line) => line.includes('ALERT'))).toMatch(/clock is -?3600 s off its reference.*NTP/)
    expect(lines.some((line) => line.includes('503 clock_drift'))).toBe(true)
    expect(events).toContainEqual({ type: 'clock_drift', driftMs: 3_600_000, measuredAt: Date.now() })
  })

  it('logs a failing time source through the service’s logger, not the console', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    const created = createService({ clock: { readTime: () => NaN } })
    service = created.service
    expect((await service.fetch(tokenRequest())).status).toBe(503)
    expect(warnings(created.logger)).toContain("widget-token-server: the clock guard's time source failed: answered NaN, not a time in epoch ms")
    expect(warnings(created.logger).some((line) => line.includes('503 clock_unverified'))).toBe(true)
    expect(consoleError).not.toHaveBeenCalled()
  })

  it('logs a store outage once when it starts and once when it ends, with the count refused', async () => {
    const key: SigningKeyInput = { privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' }
    const memory = createMemoryStore()
    let down = false
    const failing = <T extends unknown[], R>(command: (...args: T) => Promise<R>) => (...args: T) => (down ? Promise.reject(new Error('ECONNREFUSED')) : command(...args))
    const store: Store = {
      get: failing(memory.get),
      set: failing(memory.set),
      setIfAbsent: failing((key, value, ttl) => memory.setIfAbsent(key, value, ttl)),
      delete: failing(memory.delete),
      increment: failing(memory.increment),
    }
    const events: OperatorEvent[] = []
    const created = createService({ keys: [key], algorithm: undefined, store, refreshWindowSeconds: 0.001, onEvent: (event) => events.push(event) })
    service = created.service
    expect((await service.fetch(tokenRequest())).status).toBe(200)
    down = true
    for (let index = 0; index < 10; index++) expect((await service.fetch(tokenRequest('/token', { session: `s${index}` }))).status).toBe(503)
    vi.advanceTimersByTime(120_000)
    for (let index = 0; index < 10; index++) expect((await service.fetch(tokenRequest('/token', { session: `t${index}` }))).status).toBe(503)
    down = false
    expect((await service.fetch(tokenRequest())).status).toBe(200)

    expect(warnings(created.logger)).toEqual([
      expect.stringMatching(/^widget-token-server: the shared store is unavailable \(ECONNREFUSED\)/),
      expect.stringMatching(/the shared store answers again after 120 s; 20 request\(s\) were refused meanwhile/),
    ])
    expect(created.logger.error).not.toHaveBeenCalled()
    expect(events.filter((event) => event.type === 'refused')).toHaveLength(20)
  })

  it('keeps refusing when onEvent throws, and says so', async () => {
    const created = createService({
      onEvent: () => {
        throw new Error('metrics down')
      },
    })
    service = created.service
    expect((await service.fetch(tokenRequest('/token', { origin: null }))).status).toBe(403)
    expect(created.logger.error).toHaveBeenCalledWith(expect.stringContaining('onEvent threw'), expect.objectContaining({ message: 'metrics down' }))
  })

  it('lets ready() wait for a store that is still connecting, up to half a minute', async () => {
    const key: SigningKeyInput = { privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' }
    const memory = createMemoryStore()
    let failures = 3
    const connecting: Store = { ...memory, get: (name) => (failures-- > 0 ? Promise.reject(new StoreUnavailableError()) : memory.get(name)) }
    ;({ service } = createService({ keys: [key], algorithm: undefined, store: connecting }))
    await service.jwks() // the keys loaded: what is left to wait for is the store
    let ready = false
    const waiting = service.ready().then(() => (ready = true))
    await vi.advanceTimersByTimeAsync(3 * 250 - 1)
    expect(ready).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await waiting
    expect(ready).toBe(true)

    const never: Store = { ...memory, get: () => Promise.reject(new StoreUnavailableError()) }
    ;({ service } = createService({ keys: [key], algorithm: undefined, store: never }))
    await service.jwks()
    const outcome = service.ready().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(119 * 250 - 1)
    expect(await Promise.race([outcome, Promise.resolve('waiting')])).toBe('waiting')
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcome).toBeInstanceOf(StoreUnavailableError)
  })

  it('does not wait in ready() for a store that answers with a refusal', async () => {
    const key: SigningKeyInput = { privateKey: await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' }
    const store = createMemoryStore()
    await store.set(`enterprise-portal-auth/${ORG}:keyring:schedule`, '[{"kid":"someone-else","activatesAt":0}]', 60_000)
    ;({ service } = createService({ keys: [key], algorithm: undefined, store }))
    await expect(service.ready()).rejects.toMatchObject({ code: 'keys_unavailable' })
  })
})
