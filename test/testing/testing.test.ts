import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type Events, type TokenManager } from 'widget-token'
import {
  createFakeBackend,
  createFakeWidget,
  createPageDriver,
  unsignedToken,
  type BackendFailure,
  type FakeBackend,
  type FakeWidget,
} from 'widget-token/testing'

const MINUTE = 60_000
const ENDPOINT = '/api/v1/embedded-cx/token'

let backend: FakeBackend
let widget: FakeWidget
let manager: TokenManager | undefined

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') })
  backend = createFakeBackend({ lifetimeSeconds: 600, audience: 'org-1' })
  widget = createFakeWidget({ audience: 'org-1' })
})

afterEach(() => {
  manager?.stop()
  manager = undefined
  vi.useRealTimers()
})

function record<K extends keyof Events>(type: K): Array<Events[K]> {
  const seen: Array<Events[K]> = []
  manager!.on(type, (event) => seen.push(event))
  return seen
}

describe('unsignedToken', () => {
  it('mints a token the SDK accepts, with the chosen lifetime and claims', async () => {
    const token = unsignedToken({ lifetimeSeconds: 90, claims: { aud: 'org-1', sub: 'ada' } })
    manager = createTokenManager({ fetchToken: async () => ({ token }), widget, leewaySeconds: 10 })
    await manager.start()

    expect(widget.current).toMatchObject({ token, first: true, claims: { aud: 'org-1', sub: 'ada' } })
    expect(widget.current!.claims.exp! - widget.current!.claims.iat!).toBe(90)
    expect(manager.expiresAt).toBe(Date.now() + 90_000)
  })
})

describe('a page under test with the fake backend and widget', () => {
  it.each(['fetch', 'fetchToken'] as const)('keeps the widget supplied through %s, refreshing before expiry', async (through) => {
    manager = createTokenManager(
      through === 'fetch' ? { endpoint: ENDPOINT, fetch: backend.fetch, widget } : { fetchToken: backend.fetchToken, widget },
    )
    await manager.start()
    await vi.advanceTimersByTimeAsync(30 * MINUTE)

    // 10-minute tokens refreshed 2 minutes early: one every 8 minutes.
    expect(widget.received.map(({ token }) => token)).toEqual(backend.issued)
    expect(backend.issued).toHaveLength(4)
    expect(widget.received.map(({ first }) => first)).toEqual([true, false, false, false])
  })

  const failures: Array<[BackendFailure, string, boolean]> = [
    ['server_error', 'http', true],
    ['rate_limited', 'rate_limited', true],
    ['unauthorized', 'unauthorized', false],
    ['hang', 'timeout', true],
    ['network', 'network', true],
    ['not_json', 'bad_response', true],
    ['malformed_token', 'malformed_token', true],
    ['expired_token', 'expired_token', true],
    ['wrong_audience', 'audience_mismatch', true],
  ]
  describe.each(['fetch', 'fetchToken'] as const)('failing through %s', (through) => {
    it.each(failures)('%s shows the page the documented error (%s) and retries as documented', async (failure, code, retried) => {
      manager = createTokenManager({
        ...(through === 'fetch' ? { endpoint: ENDPOINT, fetch: backend.fetch } : { fetchToken: backend.fetchToken }),
        widget,
        requestTimeoutMs: 5000,
        random: () => 0.5,
      })
      const errors = record('error')
      const ended = record('ended')
      backend.fail(failure)
      const started = manager.start()
      started.catch(() => {})
      await vi.advanceTimersByTimeAsync(MINUTE)

      expect(errors[0]).toMatchObject({ name: 'WidgetTokenError', code, retryable: retried })
      expect(ended).toHaveLength(retried ? 0 : 1)
      expect(widget.received).toHaveLength(retried ? 1 : 0)
      expect(backend.hanging).toBe(0)
    })
  })

  it('waits as long as Retry-After asks', async () => {
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget })
    const errors = record('error')
    backend.fail('rate_limited', { retryAfterSeconds: 45 })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(44_999)
    expect(widget.received).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(Math.ceil(errors[0]!.retryInMs!) - 44_999 + 1)

    expect(errors[0]!.retryInMs).toBeGreaterThanOrEqual(45_000)
    expect(widget.received).toHaveLength(1)
  })

  it('fails the chosen number of times, or until it recovers', async () => {
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget, random: () => 1 })
    backend.fail('server_error', { times: Infinity, status: 502 })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(10_000)
    expect(widget.received).toHaveLength(0)
    expect(backend.requests.every(({ outcome }) => outcome === 'server_error')).toBe(true)

    backend.recover()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(widget.received).toHaveLength(1)
    expect(backend.requests.at(-1)).toMatchObject({ url: ENDPOINT, outcome: 'token' })
  })
})

describe('the fake widget’s own expiry', () => {
  it('keeps a token that lives longer than setTimeout can wait, until it runs out', async () => {
    const longLived = createFakeBackend({ lifetimeSeconds: 40 * 24 * 3600, audience: 'org-1' })
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: longLived.fetch, widget, leewaySeconds: 60, tabs: false })
    await manager.start()
    await vi.advanceTimersByTimeAsync(2 ** 31)
    expect(widget.connected).toBe(true)
    longLived.fail('network', { times: Infinity })
    await vi.advanceTimersByTimeAsync(40 * 24 * 3600 * 1000 - 2 ** 31)
    expect(widget.connected).toBe(false)
  })
})

describe('a lenient fake widget', () => {
  it('takes an update while disconnected, as widgets whose update also reconnects do', async () => {
    const lenient = createFakeWidget({ audience: 'org-1', lenient: true })
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: lenient })
    await manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    lenient.disconnect()
    await lenient.apply!(backend.issued[0]!, { first: false, restart: false, signal: new AbortController().signal })
    expect(lenient.ignored).toEqual([])
    expect(lenient.connected).toBe(true)
  })
})

describe('the fake widget', () => {
  beforeEach(async () => {
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget, retry: { baseMs: 1000 }, random: () => 1 })
    await manager.start()
  })

  it('is as strict as the guide’s widget: once disconnected it ignores tokens until it is started again', async () => {
    expect(widget.connected).toBe(true)
    await vi.advanceTimersByTimeAsync(MINUTE)
    widget.disconnect()
    expect(widget.connected).toBe(false)
    // An update that is not a restart reaches the widget and is ignored.
    await widget.apply!(backend.issued[0]!, { first: false, restart: false, signal: new AbortController().signal })
    expect(widget.ignored).toEqual([backend.issued[0]])
    await vi.advanceTimersByTimeAsync(0)

    expect(widget.connected).toBe(true)
    expect(widget.current?.token).toBe(backend.issued[1])
  })

  it('drops its session by itself when its token runs out, and the SDK brings it back', async () => {
    backend.fail('network', { times: Infinity })
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    expect(widget.connected).toBe(false)
    backend.recover()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(widget.connected).toBe(true)
    expect(widget.received).toHaveLength(2)
  })

  it('gets one new token for a burst of disconnects', async () => {
    await vi.advanceTimersByTimeAsync(60_000)
    for (let i = 0; i < 5; i++) widget.disconnect()
    await vi.advanceTimersByTimeAsync(0)

    expect(backend.requests).toHaveLength(2)
    expect(widget.current?.token).toBe(backend.issued[1])
  })

  it('gets a new token at once when it says its token expired', async () => {
    await vi.advanceTimersByTimeAsync(60_000)
    widget.expire()
    await vi.advanceTimersByTimeAsync(0)

    expect(widget.received).toHaveLength(2)
  })

  it('refuses tokens on demand, which the SDK reports and retries', async () => {
    const errors = record('error')
    widget.refuseNext()
    void manager!.refresh().catch(() => {})
    await vi.advanceTimersByTimeAsync(1000)

    expect(errors.map(({ code }) => code)).toEqual(['widget_rejected'])
    expect(widget.refused).toEqual([backend.issued[1]])
    expect(widget.current?.token).toBe(backend.issued[2])
  })

  it('is detached by stop, after which nothing reaches it', async () => {
    manager!.stop()
    widget.disconnect()
    await vi.advanceTimersByTimeAsync(60 * MINUTE)

    expect(widget.attached).toBe(false)
    expect(widget.received).toHaveLength(1)
    expect(backend.requests).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('still drops its session when its token runs out after stop, as the real widget does', async () => {
    manager!.stop()
    await vi.advanceTimersByTimeAsync(9 * MINUTE)
    expect(widget.connected).toBe(true)
    await vi.advanceTimersByTimeAsync(MINUTE)

    expect(widget.connected).toBe(false)
    expect(backend.requests).toHaveLength(1)
  })

  it('is told when the portal session ends', async () => {
    backend.fail('unauthorized')
    await manager!.refresh().catch(() => {})

    expect(widget.endedWith?.code).toBe('unauthorized')
  })
})

describe('the fake pull widget', () => {
  it('asks for tokens and gets fresh ones; a refused token is replaced', async () => {
    const pull = createFakeWidget({ pull: true })
    manager = createTokenManager({ fetchToken: backend.fetchToken, widget: pull })
    await manager.start()
    expect(backend.requests).toHaveLength(0)

    expect(await pull.ask()).toBe(backend.issued[0])
    pull.refuseNext()
    // After a refusal the SDK backs off before the widget's next ask is answered.
    const asked = pull.ask()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(await asked).toBe(backend.issued[2])
    expect(pull.refused).toEqual([backend.issued[1]])
    expect(pull.received.map(({ first }) => first)).toEqual([true, false])
  })

  it('cannot ask before a manager starts', async () => {
    await expect(createFakeWidget({ pull: true }).ask()).rejects.toThrow(/before a manager starts/)
  })
})

describe('the page driver', () => {
  it('wakes a manager whose timer slept through the refresh, and is released on stop', async () => {
    const driver = createPageDriver()
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget, page: driver.page })
    await manager.start()
    expect(driver.listeners).toBe(1)

    // The device slept: the wall clock moved past the refresh while no timer fired.
    vi.setSystemTime(Date.now() + 9 * MINUTE)
    driver.visible()
    await vi.advanceTimersByTimeAsync(0)
    expect(widget.received).toHaveLength(2)

    manager.stop()
    expect(driver.listeners).toBe(0)
  })
})
