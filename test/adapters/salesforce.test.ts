import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import { salesforceWidget, type SalesforceWidgetOptions } from '../../src/adapters/salesforce'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeSalesforce } from '../helpers/fakes/salesforce'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

let backend: Backend
let salesforce: ReturnType<typeof createFakeSalesforce>
let manager: TokenManager
let errors: WidgetTokenError[]

failOnReportedErrors()

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  salesforce = createFakeSalesforce()
  errors = []
})

afterEach(() => {
  manager.stop()
  // Whatever a test did, stop() leaves none of the adapter's timers behind.
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

function create(options: SalesforceWidgetOptions = {}) {
  manager = createTokenManager({
    endpoint: ENDPOINT,
    fetch: backend.fetch,
    widget: salesforceWidget({ bootstrap: () => salesforce.bootstrap, ...options }),
    random: () => 1,
  })
  manager.on('error', (error) => errors.push(error))
  return manager
}

async function startReady() {
  const started = create().start()
  salesforce.ready()
  await vi.advanceTimersByTimeAsync(50)
  await started
}

describe('salesforceWidget', () => {
  it('gives up with widget_unavailable when the widget never gets ready', async () => {
    const outcome = expect(create().start()).rejects.toMatchObject({ code: 'widget_unavailable' })
    await vi.advanceTimersByTimeAsync(30_100)
    await outcome
  })

  it('waits for onEmbeddedMessagingReady, then sets the identity token and the button appears', async () => {
    const started = create().start()
    await vi.advanceTimersByTimeAsync(1000)
    expect(salesforce.bootstrap.userVerificationAPI.setIdentityToken).not.toHaveBeenCalled()

    salesforce.ready()
    await vi.advanceTimersByTimeAsync(100)
    await started
    expect(salesforce.tokens).toEqual(backend.issued)
    expect(salesforce.buttonShown).toBe(true)
  })

  it('waits for the bootstrap object when Ready fired before it was there', async () => {
    let present = false
    manager = createTokenManager({
      endpoint: ENDPOINT,
      fetch: backend.fetch,
      widget: salesforceWidget({ bootstrap: () => (present ? salesforce.bootstrap : undefined) }),
    })
    const started = manager.start()
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(1000)
    present = true
    await vi.advanceTimersByTimeAsync(50)
    await started

    expect(salesforce.tokens).toEqual(backend.issued)
  })

  it('reports a token Salesforce refuses as widget_rejected and keeps trying', async () => {
    // Salesforce checks exp against the device clock: a device three hours ahead sees every token as expired.
    backend = createBackend({ serverAheadMs: -3 * 60 * MINUTE })
    const started = create().start()
    started.catch(() => {})
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(1100)

    expect(errors.map((error) => error.code)).toEqual(['widget_rejected', 'widget_rejected'])
    expect(errors[0]!.message).toContain('setIdentityToken refused the token')
    expect(salesforce.tokens).toEqual([])
    expect(manager.state).toBe('starting')
  })

  it('answers onEmbeddedMessagingIdentityTokenExpired within the 30 s Salesforce waits, keeping the session', async () => {
    await startReady()
    await vi.advanceTimersByTimeAsync(MINUTE)
    salesforce.tokenExpired()
    await vi.advanceTimersByTimeAsync(30_000)

    expect(backend.requests).toHaveLength(2)
    expect(salesforce.tokens).toEqual(backend.issued)
    expect(salesforce.resets).toBe(0)
  })

  it('signs the visitor back in with a later token when the answer misses the 30 s window', async () => {
    await startReady()
    await vi.advanceTimersByTimeAsync(MINUTE)
    backend.answer('hang', 'hang', 'hang')
    salesforce.tokenExpired()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(salesforce.resets).toBe(1)
    expect(salesforce.buttonShown).toBe(false)

    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(salesforce.buttonShown).toBe(true)
    expect(salesforce.tokens.at(-1)).toBe(backend.issued.at(-1))
  })

  it('signs the visitor back in when Salesforce resets the session and fires Ready again', async () => {
    await startReady()
    await vi.advanceTimersByTimeAsync(5 * MINUTE)
    salesforce.resetSession()
    expect(salesforce.buttonShown).toBe(false)
    await vi.advanceTimersByTimeAsync(0)

    expect(salesforce.tokens).toEqual(backend.issued)
    expect(backend.issued).toHaveLength(2)
    expect(salesforce.buttonShown).toBe(true)
  })

  it('takes the first Ready for the widget getting ready, not for a lost session', async () => {
    const states: string[] = []
    const started = create().start()
    manager.on('state', ({ state }) => states.push(state))
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(50)
    await started

    expect(states).toEqual(['active'])
    expect(backend.requests).toHaveLength(1)
  })

  it('shows the session recovering from a reset until the new token is set', async () => {
    await startReady()
    await vi.advanceTimersByTimeAsync(5 * MINUTE)
    const states: string[] = []
    manager.on('state', ({ state }) => states.push(state))
    backend.answer('hang')
    salesforce.resetSession()
    await vi.advanceTimersByTimeAsync(0)
    expect(manager.state).toBe('recovering')

    await vi.advanceTimersByTimeAsync(10_000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(manager.state).toBe('active')
    expect(salesforce.buttonShown).toBe(true)
    expect(states.at(-1)).toBe('active')
  })

  it('ends the verified session with clearSession(true) when the portal session ends', async () => {
    await startReady()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})

    expect(salesforce.bootstrap.userVerificationAPI.clearSession).toHaveBeenCalledWith(true)
    expect(salesforce.buttonShown).toBe(false)
    // The reset's Ready event brings no new token: the session is over.
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(backend.requests).toHaveLength(2)
  })

  it('lets a refused clearSession go without an unhandled rejection', async () => {
    // Started after the page's own Ready listener ran: the fake then rejects clearSession.
    const started = create({ ready: true })
    backend.answer({ status: 401 })
    const outcome = expect(started.start()).rejects.toMatchObject({ code: 'unauthorized' })
    await vi.advanceTimersByTimeAsync(0)
    await outcome

    expect(salesforce.bootstrap.userVerificationAPI.clearSession).toHaveBeenCalledWith(true)
  })

  it('hands nothing to Salesforce and asks for nothing once stopped', async () => {
    const started = create().start()
    started.catch(() => {})
    await vi.advanceTimersByTimeAsync(1000)
    manager.stop()
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(MINUTE)
    salesforce.tokenExpired()
    salesforce.resetSession()
    await vi.advanceTimersByTimeAsync(MINUTE)

    expect(salesforce.bootstrap.userVerificationAPI.setIdentityToken).not.toHaveBeenCalled()
    expect(backend.requests).toHaveLength(1)
  })

  it('sets a token again after a restart, without waiting for a Ready that already fired', async () => {
    await startReady()
    manager.stop()
    await manager.start()
    await vi.advanceTimersByTimeAsync(60_000)
    salesforce.resetSession()
    await vi.advanceTimersByTimeAsync(0)

    expect(salesforce.tokens).toEqual(backend.issued)
    expect(backend.issued).toHaveLength(3)
  })
})
