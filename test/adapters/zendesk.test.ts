import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import { zendeskWidget } from '../../src/adapters/zendesk'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeZendesk } from '../helpers/fakes/zendesk'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'

let backend: Backend
let manager: TokenManager

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

function start(zendesk: ReturnType<typeof createFakeZendesk>) {
  manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: zendeskWidget({ zE: () => zendesk.zE }) })
  const errors: WidgetTokenError[] = []
  manager.on('error', (error) => errors.push(error))
  return { started: manager.start(), errors }
}

describe('zendeskWidget', () => {
  it('answers each request for a JWT with a fresh one, and asks for none itself', async () => {
    const zendesk = createFakeZendesk()
    await start(zendesk).started
    expect(backend.requests).toHaveLength(0)

    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(60 * MINUTE)
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)

    expect(zendesk.received).toEqual(backend.issued)
    expect(backend.requests).toHaveLength(2)
  })

  it('reports a failed sign-in as widget_rejected', async () => {
    const zendesk = createFakeZendesk({ accept: () => false })
    const { started, errors } = start(zendesk)
    await started
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)

    expect(errors.map((error) => error.code)).toEqual(['widget_rejected'])
  })

  it('signs the visitor out when the portal session ends', async () => {
    const zendesk = createFakeZendesk()
    await start(zendesk).started
    backend.answer({ status: 401 })
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)

    expect(zendesk.loggedOut).toBe(true)
    expect(zendesk.received).toEqual([])
  })
})
