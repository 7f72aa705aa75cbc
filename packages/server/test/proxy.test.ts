// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { exportPKCS8, generateKeyPair } from 'jose'
import { createMemoryStore } from 'widget-token-server'
import { createService, runOnFakeTime } from './helpers'

runOnFakeTime()

const PUBLIC = 'https://portal.example'
/** What Node sees behind a TLS-terminating proxy: plain HTTP, an internal host. */
const INTERNAL = 'http://10.0.0.5:3000/api/v1/embedded-cx/token'
/** `@hono/node-server` hands the socket over as `env.incoming`: here, the proxy's address. */
const fromSocket = (remoteAddress: string | undefined) => ({ incoming: { socket: { remoteAddress } } })

function proxied(headers: Record<string, string>, session = 'a') {
  return new Request(INTERNAL, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Session': session, ...headers }, body: '{}' })
}

const statuses = async (responses: Array<Promise<Response>>) => (await Promise.all(responses)).map((response) => response.status)

describe('behind a TLS-terminating proxy', () => {
  it('refuses the browser’s https Origin without trustProxy, and logs what it expected and what came', async () => {
    const { service, logger } = createService()
    const response = await service.fetch(proxied({ Origin: PUBLIC, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example' }), fromSocket('10.0.0.1'))

    expect(response.status).toBe(403)
    const lines = logger.warn.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('foreign_origin'))
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toContain('"expected":["http://10.0.0.5:3000"]')
    expect(line).toContain('"received":"https://portal.example"')
    expect(line).not.toMatch(/\n/)
  })

  it('accepts it with trustProxy: 1, reading X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const { service } = createService({ trustProxy: 1 })
    const response = await service.fetch(proxied({ Origin: PUBLIC, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example' }), fromSocket('10.0.0.1'))
    expect(response.status).toBe(200)
  })

  it('accepts it with trustProxy: 1, reading a Forwarded header', async () => {
    const { service } = createService({ trustProxy: 1 })
    const response = await service.fetch(proxied({ Origin: PUBLIC, Forwarded: 'for=203.0.113.7;proto=https;host=portal.example' }), fromSocket('10.0.0.1'))
    expect(response.status).toBe(200)
  })

  it('reads the hop its own proxy wrote, not one the client sent ahead of it', async () => {
    const { service } = createService({ trustProxy: 1 })
    const forged = proxied({ Origin: PUBLIC, 'X-Forwarded-Proto': 'http, https', 'X-Forwarded-Host': 'evil.example, portal.example' })
    expect((await service.fetch(forged, fromSocket('10.0.0.1'))).status).toBe(200)
  })

  it('still refuses a foreign Origin with trustProxy', async () => {
    const { service } = createService({ trustProxy: 1 })
    const response = await service.fetch(proxied({ Origin: 'https://evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example' }), fromSocket('10.0.0.1'))
    expect(response.status).toBe(403)
  })
})

describe('the per-address limit behind proxies', () => {
  it('does not let 100 requests with a forged leftmost X-Forwarded-For pass a limit of 20', async () => {
    const { service } = createService({ trustProxy: 1, addressRateLimit: { points: 20, durationSeconds: 60 }, sessionRateLimit: false })
    const requests = Array.from({ length: 100 }, (_, index) =>
      service.fetch(proxied({ Origin: PUBLIC, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example', 'X-Forwarded-For': `198.51.100.${index}, 203.0.113.7` }, `s${index}`), fromSocket('10.0.0.1')),
    )
    const answered = await statuses(requests)
    expect(answered.filter((status) => status === 200)).toHaveLength(20)
    expect(answered.filter((status) => status === 429)).toHaveLength(80)
  })

  it('counts the hop the outer of two proxies wrote with trustProxy: 2', async () => {
    const { service } = createService({ trustProxy: 2, addressRateLimit: { points: 1, durationSeconds: 60 }, sessionRateLimit: false })
    const from = (client: string, session: string) =>
      service.fetch(proxied({ Origin: PUBLIC, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'portal.example', 'X-Forwarded-For': `1.1.1.1, ${client}, 10.0.0.2` }, session), fromSocket('10.0.0.1'))
    expect(await statuses([from('203.0.113.7', 'a'), from('203.0.113.7', 'b'), from('203.0.113.8', 'c')])).toEqual([200, 429, 200])
  })

  it('reads the client from a Forwarded header when there is no X-Forwarded-For', async () => {
    const { service } = createService({ trustProxy: 1, addressRateLimit: { points: 1, durationSeconds: 60 }, sessionRateLimit: false })
    const from = (forwarded: string, session: string) => service.fetch(proxied({ Origin: PUBLIC, Forwarded: forwarded }, session), fromSocket('10.0.0.1'))
    const statusesInTurn = [
      await from('for=198.51.100.1, for="[2001:db8::7]:4711";proto=https;host=portal.example', 'a'),
      await from('for=198.51.100.2, for="[2001:db8::7]:4712";proto=https;host=portal.example', 'b'),
      await from('for=203.0.113.9;proto=https;host=portal.example', 'c'),
    ].map((response) => response.status)
    expect(statusesInTurn).toEqual([200, 429, 200])
  })

  it('does not limit requests without a client address as one shared address: 300 of them do not lock others out', async () => {
    const { service } = createService({ addressRateLimit: { points: 300, durationSeconds: 60 } })
    const anonymous = Array.from({ length: 300 }, (_, index) => service.fetch(proxied({ Origin: 'http://10.0.0.5:3000' }, `anon-${index}`)))
    expect(new Set(await statuses(anonymous))).toEqual(new Set([200]))

    expect((await service.fetch(proxied({ Origin: 'http://10.0.0.5:3000' }, 'visitor'))).status).toBe(200)
  })

  it('checks the origin before spending any limit: foreign requests do not use up a visitor’s budget', async () => {
    const { service } = createService({ addressRateLimit: { points: 5, durationSeconds: 60 } })
    const foreign = Array.from({ length: 10 }, () => service.fetch(proxied({ Origin: 'https://evil.example' }), fromSocket('203.0.113.7')))
    expect(new Set(await statuses(foreign))).toEqual(new Set([403]))

    expect((await service.fetch(proxied({ Origin: 'http://10.0.0.5:3000' }), fromSocket('203.0.113.7'))).status).toBe(200)
  })
})

describe('trustProxy is checked', () => {
  it.each([
    ['true', true, /trustProxy must be the number of proxies in front of the service/],
    ['-1', -1, /trustProxy must be the number of proxies/],
    ['1.5', 1.5, /trustProxy must be the number of proxies/],
    ['a string', '1', /trustProxy must be the number of proxies/],
  ])('refuses %s with a TypeError saying what to write', (_, trustProxy, message) => {
    expect(() => createService({ trustProxy: trustProxy as never })).toThrow(TypeError)
    expect(() => createService({ trustProxy: trustProxy as never })).toThrow(message)
  })
})

describe('limits with a shared store', () => {
  it('are counted in the store, so two instances share one budget, and say when the window ends', async () => {
    const store = createMemoryStore()
    const keys = [{ privateKey: await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey), alg: 'ES256' as const }]
    const limited = { store, keys, addressRateLimit: { points: 3, durationSeconds: 60 }, sessionRateLimit: false as const }
    const [a, b] = [createService(limited).service, createService(limited).service]
    const ask = (instance: typeof a, session: string) => instance.fetch(proxied({ Origin: 'http://10.0.0.5:3000' }, session), fromSocket('203.0.113.7'))

    const answers = [await ask(a, 'a'), await ask(b, 'b'), await ask(a, 'c'), await ask(b, 'd')]
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 429])
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeLessThanOrEqual(60)
  })
})

describe('limits in this process', () => {
  it('schedule nothing per visitor: 200 visitors from 200 addresses leave no timer behind', async () => {
    const { service } = createService({ refreshWindowSeconds: 0.001 })
    const visitors = Array.from({ length: 200 }, (_, index) => service.fetch(proxied({ Origin: 'http://10.0.0.5:3000' }, `v${index}`), fromSocket(`203.0.113.${index}`)))
    expect(new Set(await statuses(visitors))).toEqual(new Set([200]))
    expect(vi.getTimerCount()).toBe(0)
  })
})
