import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import { zendeskWidget, type ZendeskCommand } from '../../src/adapters/zendesk'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeZendesk } from '../helpers/fakes/zendesk'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

let backend: Backend
let manager: TokenManager
let errors: WidgetTokenError[]

failOnReportedErrors()

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  errors = []
})

afterEach(() => {
  manager?.stop()
  // Whatever a test did, stop() leaves none of the adapter's timers behind.
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

async function start(zendesk: ReturnType<typeof createFakeZendesk>) {
  manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: zendeskWidget({ zE: () => zendesk.zE }), random: () => 1 })
  manager.on('error', (error) => errors.push(error))
  await manager.start()
  await vi.advanceTimersByTimeAsync(0)
}

describe('zendeskWidget', () => {
  it('takes the widget’s own zE as typed by @types/zendesk-web-widget', () => {
    expectTypeOf<typeof zE>().toExtend<ZendeskCommand>()
  })

  it('signs in with a fresh JWT and answers each later ask with a fresh one', async () => {
    const zendesk = createFakeZendesk()
    await start(zendesk)
    expect(zendesk.signedIn).toBe(true)

    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)

    expect(zendesk.received).toEqual(backend.issued)
    expect(backend.requests).toHaveLength(2)
    expect(zendesk.signedIn).toBe(true)
  })

  it('signs in once the Zendesk snippet loads after the manager started', async () => {
    const zendesk = createFakeZendesk({ loaded: false })
    await start(zendesk)
    await vi.advanceTimersByTimeAsync(5000)
    zendesk.load()
    await vi.advanceTimersByTimeAsync(100)

    expect(zendesk.signedIn).toBe(true)
    expect(zendesk.received).toEqual(backend.issued)
  })

  it('ends with widget_unavailable when the snippet never loads', async () => {
    const zendesk = createFakeZendesk({ loaded: false })
    await start(zendesk)
    await vi.advanceTimersByTimeAsync(30_100)

    expect(errors).toEqual([expect.objectContaining({ code: 'widget_unavailable', retryable: false })])
    expect(manager.state).toBe('ended')
  })

  it('tries signing in again after a failed login, with a JWT that waits for the manager’s backoff', async () => {
    let refusals = 1
    const zendesk = createFakeZendesk({ accept: () => refusals-- <= 0 })
    await start(zendesk)
    expect(zendesk.signedIn).toBe(false)
    expect(errors.map((error) => error.code)).toEqual(['widget_rejected'])
    const { retryInMs } = errors[0]!

    await vi.advanceTimersByTimeAsync(retryInMs! - 1)
    expect(zendesk.received).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(zendesk.received).toEqual(backend.issued)
    expect(zendesk.received).toHaveLength(2)
    expect(zendesk.signedIn).toBe(true)
  })

  it('stops trying after three more failed logins', async () => {
    const zendesk = createFakeZendesk({ accept: () => false })
    await start(zendesk)
    await vi.advanceTimersByTimeAsync(60 * MINUTE)

    expect(zendesk.loginCalls).toBe(4)
    expect(errors.map((error) => error.code)).toEqual(Array(4).fill('widget_rejected'))
  })

  it('gives failures after a successful sign-in their retries again', async () => {
    let accepting = false
    const zendesk = createFakeZendesk({ accept: () => accepting })
    await start(zendesk)
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(zendesk.loginCalls).toBe(4)
    accepting = true
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(zendesk.signedIn).toBe(true)

    accepting = false
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    expect(zendesk.loginCalls).toBe(7)
  })

  it('signs the visitor out when the portal session ends', async () => {
    const zendesk = createFakeZendesk()
    await start(zendesk)
    backend.answer({ status: 401 })
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)

    expect(zendesk.signedIn).toBe(false)
    expect(zendesk.received).toEqual(backend.issued)
  })

  it('signs in once when the manager starts, stops and starts again in one tick', async () => {
    const zendesk = createFakeZendesk()
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: zendeskWidget({ zE: () => zendesk.zE }) })
    void manager.start()
    manager.stop()
    void manager.start()
    await vi.advanceTimersByTimeAsync(0)

    expect(zendesk.loginCalls).toBe(1)
    expect(zendesk.signedIn).toBe(true)
  })

  it('calls nothing on Zendesk once stopped', async () => {
    const late = createFakeZendesk({ loaded: false })
    await start(late)
    manager.stop()
    late.load()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(late.loginCalls).toBe(0)

    const refusing = createFakeZendesk({ accept: () => false })
    await start(refusing)
    const loginCalls = refusing.loginCalls
    manager.stop()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(refusing.loginCalls).toBe(loginCalls)
    expect(refusing.received).toHaveLength(1)
  })
})
