import { Client } from '@twilio/conversations'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { createTokenManager, type TokenEvent, type TokenManager, type WidgetTokenError } from '../../src'
import { twilioConversations, type ConversationsClient } from '../../src/adapters/twilio'
import { createBackend, type Backend } from '../helpers/backend'
import { createTwilioServices } from '../helpers/fakes/twilio'
import { ENDPOINT, MINUTE, T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

// The real Conversations Client, its network services faked (see the fake for the sources).
let backend: Backend
let manager: TokenManager
let services: Array<ReturnType<typeof createTwilioServices>>
let clients: Client[]
/** The token each client was created with. */
let createdWith: string[]
let tokens: TokenEvent[]
let errors: WidgetTokenError[]

failOnReportedErrors()

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  services = []
  clients = []
  createdWith = []
  tokens = []
  errors = []
  useClients((token) => {
    const next = createTwilioServices()
    services.push(next)
    createdWith.push(token)
    return new Client(token, next.options)
  })
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

/** A manager (in place of the current one) whose adapter creates clients with `connect`, its events recorded. */
function useClients(connect: (token: string) => Client | Promise<Client>) {
  manager?.stop()
  manager = createTokenManager({
    endpoint: ENDPOINT,
    fetch: backend.fetch,
    random: () => 1,
    widget: twilioConversations({ connect, onClient: (client) => clients.push(client) }),
  })
  manager.on('token', (event) => tokens.push(event))
  manager.on('error', (error) => errors.push(error))
}

/**
 * Starts the manager and lets the client's connection come up. A second passes, so the next token
 * differs from the first (the Client ignores an update to the token it has).
 */
async function startConnected() {
  await manager.start()
  services[0]!.connect()
  await vi.advanceTimersByTimeAsync(1000)
}

describe('twilioConversations', () => {
  it('creates the client with the first token and updates it once the client has initialised', async () => {
    await startConnected()
    await manager.refresh()

    expect(createdWith).toEqual([backend.issued[0]])
    expect(services[0]!.tokens).toEqual([backend.issued[1]])
  })

  it('updates a client handed over already initialised, as Client.create hands it over', async () => {
    // Client.create(token) resolves once the client has initialised: its `initialized` is past.
    useClients(async (token) => {
      const next = createTwilioServices()
      services.push(next)
      const client = new Client(token, next.options)
      const initialized = new Promise<void>((resolve) => client.once('initialized', () => resolve()))
      next.connect()
      await initialized
      return client
    })
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started
    void manager.refresh().catch(() => {})
    await vi.advanceTimersByTimeAsync(0)

    expect(services).toHaveLength(1)
    expect(services[0]!.tokens).toEqual([backend.issued[1]])
  })

  it('takes the real Client as it is typed', () => {
    expectTypeOf<Client>().toExtend<ConversationsClient>()
  })

  it('replaces a client handed over after it failed to start, as Client.create hands it over', async () => {
    useClients(async (token) => {
      const next = createTwilioServices()
      services.push(next)
      createdWith.push(token)
      const client = new Client(token, next.options)
      if (services.length > 1) return client
      const failed = new Promise<void>((resolve) => client.once('initFailed', () => resolve()))
      // twilsock gave up connecting: the connection is not denied, the client failed all the same.
      next.fail(true)
      await failed
      return client
    })
    const started = manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    await started

    expect(errors.map((error) => error.code)).toEqual(['widget_rejected'])
    expect(errors[0]!.message).toContain('the client failed to start')
    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
  })

  it('hands a refresh to a client that is still starting as soon as it has initialised', async () => {
    await manager.start()
    await vi.advanceTimersByTimeAsync(1000)
    const refreshed = manager.refresh()
    await vi.advanceTimersByTimeAsync(2000)
    expect(services[0]!.tokens).toEqual([])
    services[0]!.connect()
    await vi.advanceTimersByTimeAsync(1000)
    await refreshed

    expect(services[0]!.tokens).toEqual([backend.issued[1]])
    expect(errors).toEqual([])
  })

  it('shuts down a client that arrives after the manager stopped, and never shows it to the page', async () => {
    let release = () => {}
    useClients(async (token) => {
      await new Promise<void>((resolve) => (release = resolve))
      const next = createTwilioServices()
      services.push(next)
      return new Client(token, next.options)
    })
    manager.start().catch(() => {})
    await vi.advanceTimersByTimeAsync(0)
    manager.stop()
    release()
    await vi.advanceTimersByTimeAsync(0)
    services[0]!.connect()
    await vi.advanceTimersByTimeAsync(1000)

    expect(clients).toEqual([])
    expect(services[0]!.state).toBe('disconnected')
  })

  it('shuts nothing down when the session ends before a client was made', async () => {
    manager.stop()
    backend.answer({ status: 401 })
    await expect(manager.start()).rejects.toMatchObject({ code: 'unauthorized' })
    expect(clients).toEqual([])
  })

  it('does not wait on a client whose connection stalls: the attempt fails and is tried again', async () => {
    await manager.start()
    const refreshed = expect(manager.refresh()).rejects.toMatchObject({ code: 'widget_rejected', retryable: true })
    await vi.advanceTimersByTimeAsync(10_000)
    await refreshed

    expect(services[0]!.tokens).toEqual([])
    services[0]!.connect()
    await vi.advanceTimersByTimeAsync(2000)
    expect(services[0]!.tokens).toEqual([backend.issued[2]])
  })

  it('replaces a client whose start was denied with one made from a fresh token', async () => {
    await manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    services[0]!.deny()
    await vi.advanceTimersByTimeAsync(0)

    expect(clients).toHaveLength(2)
    expect(createdWith[1]).toBe(backend.issued[1])
    services[1]!.connect()
    await vi.advanceTimersByTimeAsync(1000)
    await manager.refresh()
    expect(services[1]!.tokens).toEqual([backend.issued[2]])
  })

  it('replaces a client after a terminal connectionError', async () => {
    await startConnected()
    // Dropped a while after its token: an ordinary loss, answered at once.
    await vi.advanceTimersByTimeAsync(MINUTE)
    services[0]!.fail(true)
    await vi.advanceTimersByTimeAsync(0)

    expect(clients).toHaveLength(2)
    expect(createdWith[1]).toBe(backend.issued[1])
  })

  it('rides out a connectionError twilsock retries on its own', async () => {
    await startConnected()
    services[0]!.fail(false)
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(backend.requests).toHaveLength(1)
  })

  it('answers a denied connection with a new client made from a fresh token at once', async () => {
    await startConnected()
    // Dropped a while after its token: an ordinary loss, answered at once.
    await vi.advanceTimersByTimeAsync(MINUTE)
    services[0]!.deny()
    await vi.advanceTimersByTimeAsync(0)

    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
    expect(services[0]!.tokens).toEqual([])
    // The old client is shut down, and nothing it says counts any more.
    expect(services[0]!.state).toBe('disconnected')
    services[0]!.tokenAboutToExpire()
    await vi.advanceTimersByTimeAsync(0)
    expect(backend.requests).toHaveLength(2)
    services[1]!.connect()
    await vi.advanceTimersByTimeAsync(1000)
    expect(clients[1]!.connectionState).toBe('connected')
  })

  it('answers tokenExpired with a new client made from a fresh token at once, and shuts the old one down', async () => {
    await startConnected()
    // Dropped a while after its token: an ordinary loss, answered at once.
    await vi.advanceTimersByTimeAsync(MINUTE)
    services[0]!.tokenExpired()
    await vi.advanceTimersByTimeAsync(0)

    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
    expect(services[0]!.tokens).toEqual([])
    expect(clients).toHaveLength(2)
    services[1]!.connect()
    await vi.advanceTimersByTimeAsync(1000)
    await manager.refresh()
    // Planned refreshes of the new client go through updateToken again.
    expect(services[1]!.tokens).toEqual([backend.issued[2]])
    expect(createdWith).toHaveLength(2)
  })

  it('starts a new client with the first token after its own ran out while the backend failed', async () => {
    await startConnected()
    const expired = vi.fn()
    manager.on('expired', expired)
    backend.answer(...Array<{ status: number }>(10).fill({ status: 503 }))
    await vi.advanceTimersByTimeAsync(35 * MINUTE)

    expect(expired).toHaveBeenCalledTimes(1)
    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
    expect(services[0]!.tokens).toEqual([])
  })

  it('announces expired when the client says its token ran out', async () => {
    await startConnected()
    await vi.advanceTimersByTimeAsync(MINUTE)
    const expired = vi.fn()
    manager.on('expired', expired)
    services[0]!.tokenExpired()
    await vi.advanceTimersByTimeAsync(0)
    expect(expired).toHaveBeenCalledTimes(1)
  })

  it('refreshes on tokenAboutToExpire as a routine refresh, not a disconnect', async () => {
    await startConnected()
    services[0]!.tokenAboutToExpire()
    await vi.advanceTimersByTimeAsync(0)

    expect(services[0]!.tokens).toEqual([backend.issued[1]])
    expect(tokens.map((event) => event.reason)).toEqual(['start', 'schedule'])
  })

  it('listens to nothing once stopped, and resumes with the same client on restart', async () => {
    await startConnected()
    manager.stop()
    services[0]!.tokenAboutToExpire()
    services[0]!.fail(true)
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(backend.requests).toHaveLength(1)

    await manager.start()
    expect(clients).toHaveLength(1)
    expect(services[0]!.tokens).toEqual([backend.issued[1]])
    // Listened to again (a second on, so the next token differs).
    await vi.advanceTimersByTimeAsync(1000)
    services[0]!.tokenAboutToExpire()
    await vi.advanceTimersByTimeAsync(0)
    expect(services[0]!.tokens).toEqual([backend.issued[1], backend.issued[2]])
  })

  it('replaces a client that failed while the manager was stopped, as a start', async () => {
    await manager.start()
    manager.stop()
    services[0]!.deny()
    await manager.start()

    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
    expect(tokens.map((event) => event.reason)).toEqual(['start', 'start'])
  })

  it('starts a new client on restart when the connection dropped while stopped', async () => {
    await startConnected()
    manager.stop()
    services[0]!.tokenExpired()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(backend.requests).toHaveLength(1)

    await manager.start()
    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
    expect(services[0]!.tokens).toEqual([])
  })

  it('answers a connection the server closed (disconnected) with a new client at once', async () => {
    await startConnected()
    // Dropped a while after its token: an ordinary loss, answered at once.
    await vi.advanceTimersByTimeAsync(MINUTE)
    services[0]!.close()
    await vi.advanceTimersByTimeAsync(0)

    expect(createdWith).toEqual([backend.issued[0], backend.issued[1]])
  })

  it('shuts a connected client down when the session ends', async () => {
    await startConnected()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})
    await vi.advanceTimersByTimeAsync(0)

    expect(manager.state).toBe('ended')
    expect(services[0]!.state).toBe('disconnected')
  })

  it('shuts the client down when the session ends, even one that never started', async () => {
    await manager.start()
    await vi.advanceTimersByTimeAsync(MINUTE)
    backend.answer({ status: 401 })
    services[0]!.deny()
    await vi.advanceTimersByTimeAsync(0)

    expect(manager.state).toBe('ended')
    expect(clients).toHaveLength(1)
    expect(errors.map((error) => error.code)).toEqual(['unauthorized'])
  })
})
