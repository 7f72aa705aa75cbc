import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import type * as Messenger from '../../src/adapters/messenger'
import { createFakeMessenger } from '../helpers/fakes/messenger'
import { T0 } from '../helpers/setup'
import { failOnReportedErrors } from '../helpers/reported'

let manager: TokenManager
let messenger: ReturnType<typeof createFakeMessenger>
let answers: Array<Record<string, unknown> | number>
let fetch: ReturnType<typeof vi.fn<typeof globalThis.fetch>>
let errors: WidgetTokenError[]

const REDIRECT_URI = 'https://portal.example.com/callback'

// The adapter registers its plugin once per page: each test loads it afresh, as a new page would.
let authCodeSource: typeof Messenger.authCodeSource
let genesysMessenger: typeof Messenger.genesysMessenger

async function create(fake = createFakeMessenger()) {
  messenger = fake
  manager = createTokenManager({
    fetchToken: authCodeSource({ endpoint: '/api/messenger/auth-code', fetch }),
    widget: genesysMessenger({ genesys: () => messenger.Genesys }),
    random: () => 1,
  })
  manager.on('error', (error) => errors.push(error))
  await manager.start()
  // The adapter looks for Genesys as the first thing after start.
  await vi.advanceTimersByTimeAsync(0)
}

failOnReportedErrors()

beforeEach(async () => {
  vi.resetModules()
  ;({ authCodeSource, genesysMessenger } = await import('../../src/adapters/messenger'))
  vi.useFakeTimers({ now: T0 })
  answers = []
  errors = []
  let issued = 0
  fetch = vi.fn<typeof globalThis.fetch>(async () => {
    const next = answers.shift() ?? { authCode: `code-${++issued}`, redirectUri: REDIRECT_URI, codeVerifier: 'verifier' }
    return typeof next === 'number' ? new Response('{}', { status: next }) : new Response(JSON.stringify(next))
  })
})

afterEach(() => {
  manager.stop()
  // Whatever a test did, stop() leaves none of the adapter's timers behind.
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
})

describe('genesysMessenger', () => {
  it('registers an AuthProvider plugin and signs the visitor in with a code from the backend', async () => {
    await create()
    expect(messenger.ready).toBe(true)
    await messenger.signIn()

    expect(messenger.signedIn).toBe(true)
    expect(messenger.codes).toEqual([{ authCode: 'code-1', redirectUri: REDIRECT_URI, codeVerifier: 'verifier' }])
  })

  it('gives concurrent asks a code each: a code is redeemed once', async () => {
    await create()
    const codes = await Promise.all([messenger.getAuthCode(), messenger.getAuthCode()])

    expect(codes.map((code) => code.authCode)).toEqual(['code-1', 'code-2'])
  })

  it('fetches codes with the page’s fetch by default', async () => {
    vi.stubGlobal('fetch', fetch)
    manager = createTokenManager({
      fetchToken: authCodeSource({ endpoint: '/api/messenger/auth-code' }),
      widget: genesysMessenger({ genesys: () => messenger.Genesys }),
    })
    messenger = createFakeMessenger()
    await manager.start()
    await vi.advanceTimersByTimeAsync(0)

    await expect(messenger.getAuthCode()).resolves.toMatchObject({ authCode: 'code-1' })
    expect(fetch).toHaveBeenCalledWith('/api/messenger/auth-code', expect.objectContaining({ method: 'POST' }))
  })

  it('hands over nonce, maxAge and iss as the backend gave them', async () => {
    await create()
    const okta = { authCode: 'okta-code', redirectUri: REDIRECT_URI, nonce: 'b0b7c3c4-8c36', maxAge: 3600, iss: 'https://login.example.com' }
    answers.push({ ...okta, expiresIn: 60 })

    await expect(messenger.getAuthCode()).resolves.toEqual(okta)
  })

  it('gets a new code for each ask, as codes are single-use', async () => {
    await create()
    await messenger.signIn()
    await vi.advanceTimersByTimeAsync(5000)
    await expect(messenger.reAuthenticate()).resolves.toBeUndefined()
    await messenger.signIn()

    expect(messenger.codes.map((code) => code.authCode)).toEqual(['code-1', 'code-2'])
    expect(messenger.signedIn).toBe(true)
  })

  it('reports Auth.authError as widget_rejected', async () => {
    await create()
    messenger.publish('Auth.authError', { errorCode: 'invalid_grant' })
    expect(errors).toEqual([expect.objectContaining({ code: 'widget_rejected', retryInMs: 1000 })])
  })

  it('asks for each code after a refusal once the manager’s backoff has passed, and stops after three', async () => {
    await create(createFakeMessenger({ accept: () => false }))
    const askedAt: number[] = []
    fetch.mockImplementation(async () => {
      askedAt.push(Date.now() - T0)
      return new Response(JSON.stringify({ authCode: `code-${askedAt.length}`, redirectUri: REDIRECT_URI }))
    })
    const signIn = messenger.signIn()
    await vi.advanceTimersByTimeAsync(60_000)
    await signIn

    expect(messenger.codes).toHaveLength(4)
    expect(errors.map((error) => error.code)).toEqual(Array(4).fill('widget_rejected'))
    await expect(messenger.reAuthenticate()).rejects.toThrow('sign-in refused')
    // Each code is fetched when the refusal before it said the next try would come.
    const refusedAt = askedAt.slice(0, 3)
    expect(askedAt.slice(1)).toEqual(refusedAt.map((at, index) => at + errors[index]!.retryInMs!))
  })

  it('re-authenticates at once again after a successful sign-in', async () => {
    let refusals = 1
    await create(createFakeMessenger({ accept: () => refusals-- <= 0 }))
    const signIn = messenger.signIn()
    await vi.advanceTimersByTimeAsync(1000)
    await signIn
    expect(messenger.signedIn).toBe(true)

    await expect(messenger.reAuthenticate()).resolves.toBeUndefined()
  })

  it('counts refusals from the last successful sign-in', async () => {
    let accepting = false
    await create(createFakeMessenger({ accept: () => accepting }))
    const refused = messenger.signIn()
    await vi.advanceTimersByTimeAsync(MINUTES)
    await refused
    expect(messenger.codes).toHaveLength(4)
    accepting = true
    const signedIn = messenger.signIn()
    await vi.advanceTimersByTimeAsync(MINUTES)
    await signedIn
    expect(messenger.signedIn).toBe(true)

    messenger.publish('Auth.authError', { errorCode: 'invalid_grant' })
    await expect(messenger.reAuthenticate()).resolves.toBeUndefined()
  })

  it('mints no code nobody asked for when the messaging service reconnects', async () => {
    await create()
    messenger.publish('MessagingService.reconnected')
    await vi.advanceTimersByTimeAsync(MINUTES)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('registers the plugin once the Messenger snippet defines Genesys after the manager started', async () => {
    await create(createFakeMessenger({ loaded: false }))
    await vi.advanceTimersByTimeAsync(5000)
    messenger.loadSnippet()
    await vi.advanceTimersByTimeAsync(100)
    await messenger.signIn()

    expect(messenger.registrations).toBe(1)
    expect(messenger.signedIn).toBe(true)
  })

  it('ends with widget_unavailable when the snippet never defines Genesys', async () => {
    await create(createFakeMessenger({ loaded: false }))
    await vi.advanceTimersByTimeAsync(30_100)

    expect(errors).toEqual([expect.objectContaining({ code: 'widget_unavailable', retryable: false })])
    expect(manager.state).toBe('ended')
  })

  it('registers nothing once stopped, even when Genesys comes later', async () => {
    await create(createFakeMessenger({ loaded: false }))
    manager.stop()
    messenger.loadSnippet()
    await vi.advanceTimersByTimeAsync(60_000)

    expect(messenger.registrations).toBe(0)
    expect(errors).toEqual([])
  })

  it('registers the plugin once per page, also when the manager restarts after the SDK loaded', async () => {
    await create()
    manager.stop()
    messenger.loadSdk()
    await manager.start()
    await messenger.signIn()

    expect(messenger.registrations).toBe(1)
    expect(messenger.signedIn).toBe(true)
  })

  it('answers nothing from the backend once stopped', async () => {
    await create()
    manager.stop()
    await expect(messenger.getAuthCode()).rejects.toThrow('signed out')
    expect(fetch).not.toHaveBeenCalled()
  })

  it('refuses re-authentication once stopped', async () => {
    await create()
    messenger.publish('Auth.authError', { errorCode: 'invalid_grant' })
    manager.stop()

    await expect(messenger.reAuthenticate()).rejects.toThrow('sign-in refused')
    // The Messenger's events find no session to tell.
    messenger.publish('Auth.authError', { errorCode: 'invalid_grant' })
    expect(errors.map((error) => error.code)).toEqual(['widget_rejected'])
  })

  it('retries a failed code request before answering', async () => {
    await create()
    answers.push(503)
    const answer = messenger.getAuthCode()
    await vi.advanceTimersByTimeAsync(1000)
    await expect(answer).resolves.toMatchObject({ redirectUri: REDIRECT_URI })
    expect(errors.map((error) => error.code)).toEqual(['http'])
  })

  it('refuses an answer that is not a code, and logs out when the session ends', async () => {
    await create()
    await messenger.signIn()
    answers.push({ something: 'else' }, 401)
    const refused = expect(messenger.getAuthCode()).rejects.toMatchObject({ code: 'unauthorized' })
    await vi.advanceTimersByTimeAsync(1000)
    await refused
    expect(errors.map((error) => error.code)).toEqual(['bad_response', 'unauthorized'])
    expect(messenger.calls.at(-1)).toEqual(['command', 'Auth.logout'])
    expect(messenger.signedIn).toBe(false)
  })
})

const MINUTES = 5 * 60_000

describe('genesysMessenger().inspect', () => {
  const SENT_AT = T0
  const code = (fields: Record<string, unknown>) => JSON.stringify(fields)
  const valid = code({ authCode: 'code-1', redirectUri: REDIRECT_URI })

  it.each([
    ['not JSON', 'code-1'],
    ['no authCode', code({ redirectUri: REDIRECT_URI })],
    ['no redirectUri', code({ authCode: 'code-1' })],
    ['a number for authCode', code({ authCode: 1, redirectUri: REDIRECT_URI })],
    ['null', 'null'],
  ])('refuses %s as malformed_token', (_, credential) => {
    expect(() => genesysMessenger().inspect!(credential, { sentAt: SENT_AT })).toThrow(
      expect.objectContaining({ code: 'malformed_token', message: expect.stringContaining('not an authorization code') }),
    )
  })

  it.each([
    [undefined, 60_000],
    [30, 30_000],
  ])('gives a code expiresIn %s a lifetime of %i ms from when it was asked for', (expiresIn, lifetimeMs) => {
    expect(genesysMessenger().inspect!(valid, { sentAt: SENT_AT, expiresIn })).toEqual({
      issuedAt: SENT_AT,
      expiresAt: SENT_AT + lifetimeMs,
      lifetimeMs,
      bytes: valid.length,
      skewMs: undefined,
    })
  })

  it('takes its default lifetime from codeLifetimeSeconds', () => {
    expect(genesysMessenger({ codeLifetimeSeconds: 90 }).inspect!(valid, { sentAt: SENT_AT }).lifetimeMs).toBe(90_000)
  })

  it.each([0, -5])('refuses a code whose expiresIn is %i as expired_token', (expiresIn) => {
    expect(() => genesysMessenger().inspect!(valid, { sentAt: SENT_AT, expiresIn })).toThrow(expect.objectContaining({ code: 'expired_token' }))
  })
})
