import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager } from '../../src'
import { salesforceWidget } from '../../src/adapters/salesforce'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeSalesforce } from '../helpers/fakes/salesforce'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'

let backend: Backend
let salesforce: ReturnType<typeof createFakeSalesforce>
let manager: TokenManager

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  salesforce = createFakeSalesforce()
  manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: salesforceWidget({ bootstrap: () => salesforce.bootstrap }) })
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

describe('salesforceWidget', () => {
  it('gives up with widget_unavailable when the widget never gets ready', async () => {
    const started = manager.start()
    const outcome = expect(started).rejects.toMatchObject({ code: 'widget_unavailable' })
    await vi.advanceTimersByTimeAsync(30_100)
    await outcome
  })

  it('waits for onEmbeddedMessagingReady, then sets the identity token', async () => {
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    expect(salesforce.tokens).toEqual([])

    salesforce.ready()
    await vi.advanceTimersByTimeAsync(100)
    await started
    expect(salesforce.bootstrap.userVerificationAPI.setIdentityToken).toHaveBeenCalledWith({ identityTokenType: 'JWT', identityToken: backend.issued[0] })
  })

  it.each(['onEmbeddedMessagingIdentityTokenExpired', 'onEmbeddedMessagingTokenExpired'])('answers %s at once with a fresh token', async (event) => {
    const started = manager.start()
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(50)
    await started
    await vi.advanceTimersByTimeAsync(MINUTE)
    salesforce.tokenExpired(event)
    await vi.advanceTimersByTimeAsync(0)

    expect(backend.requests).toHaveLength(2)
    expect(salesforce.tokens).toEqual(backend.issued)
  })

  it('clears the session when the portal session ends', async () => {
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: salesforceWidget({ bootstrap: () => salesforce.bootstrap, ready: true }) })
    await manager.start()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})
    expect(salesforce.bootstrap.userVerificationAPI.clearSession).toHaveBeenCalledTimes(1)
  })

  it('stops listening once stopped', async () => {
    manager = createTokenManager({ endpoint: ENDPOINT, fetch: backend.fetch, widget: salesforceWidget({ bootstrap: () => salesforce.bootstrap, ready: true }) })
    await manager.start()
    manager.stop()
    salesforce.tokenExpired()
    await vi.advanceTimersByTimeAsync(0)
    expect(backend.requests).toHaveLength(1)
  })
})
