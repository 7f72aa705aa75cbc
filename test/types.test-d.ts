import { describe, expectTypeOf, it } from 'vitest'
import {
  createTokenManager,
  genWidget,
  isWidgetTokenError,
  WidgetTokenError,
  type ErrorCode,
  type Reason,
  type State,
  type TokenEvent,
  type Warning,
} from '../src'
import { shareAcrossTabs } from '../src/tabs'

const manager = createTokenManager({
  endpoint: '/api/v1/embedded-cx/token',
  widget: genWidget({ config: { organization: { id: 'org' } } }),
  tabs: shareAcrossTabs(),
})

describe('public types', () => {
  it('types each event payload', () => {
    manager.on('token', (event) => expectTypeOf(event).toEqualTypeOf<TokenEvent>())
    manager.on('error', (error) => {
      expectTypeOf(error).toEqualTypeOf<WidgetTokenError>()
      expectTypeOf(error.code).toEqualTypeOf<ErrorCode>()
      expectTypeOf(error.retryInMs).toEqualTypeOf<number | undefined>()
    })
    manager.on('ended', ({ error }) => expectTypeOf(error).toEqualTypeOf<WidgetTokenError>())
    manager.on('expired', ({ expiredAt }) => expectTypeOf(expiredAt).toBeNumber())
    manager.on('warning', (warning) => {
      expectTypeOf(warning).toEqualTypeOf<Warning>()
      if (warning.code === 'clock_skew') expectTypeOf(warning.skewMs).toBeNumber()
    })
    expectTypeOf(manager.on('token', () => {})).toEqualTypeOf<() => void>()
  })

  it('rejects unknown events and wrong payloads', () => {
    // @ts-expect-error there is no such event
    manager.on('refreshed', () => {})
    // @ts-expect-error token events carry no token
    manager.on('token', (event) => event.token)
  })

  it('types the manager', () => {
    expectTypeOf(manager.state).toEqualTypeOf<State>()
    expectTypeOf(manager.expiresAt).toEqualTypeOf<number | undefined>()
    expectTypeOf(manager.start()).toEqualTypeOf<Promise<void>>()
    expectTypeOf(manager.refresh()).toEqualTypeOf<Promise<void>>()
    expectTypeOf<'tab'>().toExtend<Reason>()
  })

  it('rejects misuse of the options', () => {
    // @ts-expect-error a widget adapter is required
    createTokenManager({ endpoint: '/token' })
    // @ts-expect-error leeway is in seconds, as a number
    createTokenManager({ endpoint: '/token', widget: genWidget({ config: { organization: { id: 'o' } } }), leewaySeconds: '120' })
    // @ts-expect-error the gen config needs an organization id
    genWidget({ config: { organization: {} } })
    // @ts-expect-error error codes are a closed set
    new WidgetTokenError('teapot')
    const widget = genWidget({ config: { organization: { id: 'o' } } })
    // @ts-expect-error an endpoint or a fetchToken is required
    createTokenManager({ widget })
    // @ts-expect-error one source at a time: an endpoint or a fetchToken
    createTokenManager({ widget, endpoint: '/token', fetchToken: async () => ({ token: 't' }) })
    // @ts-expect-error a tab key names a fetchToken source's credential; an endpoint names itself
    createTokenManager({ widget, endpoint: '/token', tabKey: 'k' })
    // @ts-expect-error tabs are on by default: false turns them off, true means nothing
    createTokenManager({ widget, endpoint: '/token', tabs: true })
  })

  it('accepts each source and the tab and log options', () => {
    const widget = genWidget({ config: { organization: { id: 'o' } } })
    createTokenManager({ widget, endpoint: '/token', refreshEndpoint: '/token/refresh', tabs: false, log: (entry) => expectTypeOf(entry.step).toBeString() })
    createTokenManager({ widget, fetchToken: async ({ signal }) => ({ token: String(signal.aborted), expiresIn: 60 }), tabKey: 'crm' })
    expectTypeOf<'expired'>().toExtend<Reason>()
  })

  it('narrows with isWidgetTokenError', () => {
    const value: unknown = undefined
    if (isWidgetTokenError(value)) expectTypeOf(value.code).toEqualTypeOf<ErrorCode>()
  })
})

describe('the Twilio adapter', () => {
  it("hands onClient the page's own client type, the one connect returns", async () => {
    const { Client } = await import('@twilio/conversations')
    const { twilioConversations } = await import('../src/adapters/twilio')
    twilioConversations({
      connect: (token) => new Client(token),
      onClient: (client) => expectTypeOf(client).toEqualTypeOf<InstanceType<typeof Client>>(),
    })
  })
})
