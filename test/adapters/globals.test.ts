import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type FetchToken, type TokenManager, type WidgetAdapter, type WidgetTokenError } from '../../src'
import { intercomWidget } from '../../src/adapters/intercom'
import { salesforceWidget } from '../../src/adapters/salesforce'
import { zendeskWidget } from '../../src/adapters/zendesk'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeMessenger } from '../helpers/fakes/messenger'
import { createFakeSalesforce } from '../helpers/fakes/salesforce'
import { createFakeZendesk } from '../helpers/fakes/zendesk'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

// Each adapter finds its vendor's widget where the vendor's snippet puts it, and says which global
// it waited for when it never came.
type Globals = { zE?: unknown; Genesys?: unknown; Intercom?: unknown; embeddedservice_bootstrap?: unknown }
const page = globalThis as Globals

let backend: Backend
let manager: TokenManager
let errors: WidgetTokenError[]

failOnReportedErrors()

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend({ claims: { user_id: 'visitor-1' } })
  errors = []
})

afterEach(() => {
  manager.stop()
  for (const name of ['zE', 'Genesys', 'Intercom', 'embeddedservice_bootstrap'] as const) delete page[name]
  vi.useRealTimers()
})

function start(widget: WidgetAdapter, source: { fetchToken: FetchToken } | { endpoint: string; fetch: typeof globalThis.fetch } = { endpoint: ENDPOINT, fetch: backend.fetch }) {
  manager = createTokenManager({ ...source, widget, random: () => 1 })
  manager.on('error', (error) => errors.push(error))
  manager.start().catch(() => {})
}

/** Ends the portal session: the next refresh answers 401. */
async function endSession() {
  backend.answer({ status: 401 })
  await manager.refresh().catch(() => {})
  await vi.advanceTimersByTimeAsync(0)
}

describe('the vendor globals', () => {
  it('Zendesk: signs in through window.zE, and says it waited for it when it never came', async () => {
    const zendesk = createFakeZendesk()
    page.zE = zendesk.zE
    start(zendeskWidget())
    await vi.advanceTimersByTimeAsync(0)
    expect(zendesk.signedIn).toBe(true)
    manager.stop()
    delete page.zE

    start(zendeskWidget())
    await vi.advanceTimersByTimeAsync(30_000)
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('no window.zE after 30000 ms')])
  })

  it('Zendesk: gives up exactly when waitMs has passed', async () => {
    const zendesk = createFakeZendesk({ loaded: false })
    start(zendeskWidget({ zE: () => zendesk.zE, waitMs: 100 }))
    await vi.advanceTimersByTimeAsync(99)
    expect(errors).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(errors.map((error) => error.code)).toEqual(['widget_unavailable'])
    zendesk.load()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(zendesk.loginCalls).toBe(0)
  })

  it('Zendesk: signs nobody out through a zE that has gone', async () => {
    const zendesk = createFakeZendesk()
    page.zE = zendesk.zE
    start(zendeskWidget())
    await vi.advanceTimersByTimeAsync(0)
    delete page.zE
    backend.answer({ status: 401 })
    zendesk.askForJwt()
    await vi.advanceTimersByTimeAsync(0)
    expect(manager.state).toBe('ended')
  })

  it('Web Messenger: registers through window.Genesys, and says it waited for it when it never came', async () => {
    vi.resetModules()
    const { authCodeSource, genesysMessenger } = await import('../../src/adapters/messenger')
    const messenger = createFakeMessenger()
    page.Genesys = messenger.Genesys
    const fetch = async () => new Response(JSON.stringify({ authCode: 'code-1', redirectUri: 'https://portal.example.com/callback' }))
    const source = { fetchToken: authCodeSource({ endpoint: '/api/messenger/auth-code', fetch }) }
    start(genesysMessenger(), source)
    await vi.advanceTimersByTimeAsync(0)
    await messenger.signIn()
    expect(messenger.signedIn).toBe(true)
    manager.stop()
    delete page.Genesys

    start(genesysMessenger(), source)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('no window.Genesys after 30000 ms')])
  })

  it('Intercom: boots through window.Intercom, and says it waited for it when it never came', async () => {
    const Intercom = vi.fn()
    page.Intercom = Intercom
    start(intercomWidget({ settings: { app_id: 'abc123' } }))
    await vi.advanceTimersByTimeAsync(0)
    expect(Intercom).toHaveBeenCalledWith('boot', { app_id: 'abc123', intercom_user_jwt: backend.issued[0] })
    await endSession()
    expect(Intercom.mock.calls.map(([command]) => command)).toEqual(['boot', 'shutdown'])
    delete page.Intercom

    start(intercomWidget({ settings: { app_id: 'abc123' } }))
    await vi.advanceTimersByTimeAsync(30_000)
    expect(errors.at(-1)?.message).toContain('no window.Intercom after 30000 ms')
  })

  it('Salesforce: sets tokens through window.embeddedservice_bootstrap, and signs nobody out once it has gone', async () => {
    const salesforce = createFakeSalesforce()
    page.embeddedservice_bootstrap = salesforce.bootstrap
    start(salesforceWidget())
    salesforce.ready()
    await vi.advanceTimersByTimeAsync(50)
    expect(salesforce.tokens).toEqual(backend.issued)
    delete page.embeddedservice_bootstrap
    await endSession()
    expect(manager.state).toBe('ended')
  })

  it('Salesforce: says it waited for onEmbeddedMessagingReady when it never fired', async () => {
    start(salesforceWidget({ bootstrap: () => createFakeSalesforce().bootstrap }))
    await vi.advanceTimersByTimeAsync(30_000)
    expect(errors.at(-1)?.message).toContain('no onEmbeddedMessagingReady after 30000 ms')
  })
})
