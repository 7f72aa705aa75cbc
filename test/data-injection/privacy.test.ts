// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { createHarness, profile, type Harness } from './harness'
import type { CustomerProfile } from '../../examples/data-injection/crm'

const TOKEN_LIMIT_BYTES = 3584

let h: Harness

beforeEach(async () => {
  h = await createHarness()
})

afterEach(async () => {
  await h.close()
})

describe('the token stays a routing envelope', { timeout: 20_000 }, () => {
  it('stays the same small size however large the profile grows, while the profile still reaches the conversation', async () => {
    await h.startWorker()
    const sizes: number[] = []
    for (const historyBytes of [0, 64 * 1024, 1024 * 1024]) {
      const customer = profile({ customerId: `cust-${historyBytes}`, history: 'h'.repeat(historyBytes) })
      h.crm.put(customer)
      const { conversationId, token } = await h.chat(customer)
      await h.outcome(conversationId, 'injected')
      expect(h.sim.conversations.get(conversationId)!.customer.attributes['crm.customerId']).toBe(customer.customerId)
      sizes.push(Buffer.byteLength(token))
    }
    expect(new Set(sizes).size).toBe(1)
    expect(sizes[0]).toBeLessThanOrEqual(TOKEN_LIMIT_BYTES)
  })

  it('carries one 22-character reference, the same for every token of a session', async () => {
    h.sessions.start('session-a', 'cust-4711')
    const first = await h.correlation.correlationClaims('session-a')
    const again = await h.correlation.correlationClaims('session-a')
    h.sessions.start('session-b', 'cust-4711')
    const other = await h.correlation.correlationClaims('session-b')

    expect(first.cxRef).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(again).toEqual(first)
    expect(other.cxRef).not.toBe(first.cxRef)
    expect(await h.correlation.resolve(first.cxRef)).toEqual({ sessionId: 'session-a', customerId: 'cust-4711' })
  })

  it('stops resolving a reference once its portal session has ended', async () => {
    h.sessions.start('session-a', 'cust-4711')
    const { cxRef } = await h.correlation.correlationClaims('session-a')
    h.sessions.end('session-a')

    expect(await h.correlation.resolve(cxRef)).toBeUndefined()
    expect(await h.correlation.resolve('not a reference')).toBeUndefined()
  })

  it('refuses a missing session id with a TypeError', async () => {
    await expect(h.correlation.correlationClaims('')).rejects.toThrow(TypeError)
  })
})

describe('the profile never leaks', { timeout: 20_000 }, () => {
  const secretive: CustomerProfile = {
    customerId: 'cust-ZQ-9001',
    displayName: 'Grace Zq-Hopper',
    email: 'grace.zq@example.test',
    tier: 'tier-zq-platinum',
    preferredLanguage: 'zq-QZ',
    accountNumber: 'ZQ00 1234 5678 9012',
    history: 'zq-history '.repeat(2000),
  }

  it('appears in no JWT, URL or log line, only in the attribute requests sent to the API', async () => {
    const printed: string[] = []
    const capture = (...args: unknown[]) => void printed.push(args.map(String).join(' '))
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation(capture)
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => capture(chunk) ?? true)
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => capture(chunk) ?? true)
    h.crm.put(secretive)
    await h.startWorker()

    const { conversationId, token } = await h.chat(secretive)
    await h.outcome(conversationId, 'injected')
    h.sim.redeliver(conversationId)
    h.sim.closeSockets()
    const meanwhile = await h.chat(secretive)
    await h.outcome(meanwhile.conversationId, 'injected')
    vi.restoreAllMocks()

    const jwts = [token, meanwhile.token].flatMap((jwt) => [jwt, JSON.stringify(decodeJwt(jwt)), JSON.stringify(decodeProtectedHeader(jwt))])
    const places = { jwts, urls: h.sim.requests.map((request) => request.url), logs: [...h.logs, ...printed], accessTokens: h.sim.grantedTokens }
    expect(places.logs.length).toBeGreaterThan(3)
    for (const [field, value] of Object.entries(secretive)) {
      const fragment = value.slice(0, 12)
      for (const [where, lines] of Object.entries(places)) {
        expect(lines.filter((line) => line.includes(fragment)), `${field} in ${where}`).toEqual([])
      }
    }
    expect(h.sim.conversations.get(conversationId)!.secureAttributes['crm.accountNumber']).toBe(secretive.accountNumber)
  })
})
