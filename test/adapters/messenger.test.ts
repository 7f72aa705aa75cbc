import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager, type WidgetTokenError } from '../../src'
import { authCodeSource, genesysMessenger } from '../../src/adapters/messenger'
import { createFakeMessenger } from '../helpers/fakes/messenger'
import { T0 } from '../helpers/setup'

let manager: TokenManager
let messenger: ReturnType<typeof createFakeMessenger>
let codes: Array<Record<string, unknown> | number>
let errors: WidgetTokenError[]

beforeEach(async () => {
  vi.useFakeTimers({ now: T0 })
  codes = []
  errors = []
  messenger = createFakeMessenger()
  const fetch = vi.fn(async () => {
    const next = codes.shift() ?? { authCode: `code-${Date.now()}`, redirectUri: 'https://portal.example.com/callback', codeVerifier: 'verifier' }
    return typeof next === 'number' ? new Response('{}', { status: next }) : new Response(JSON.stringify(next))
  })
  manager = createTokenManager({
    fetchToken: authCodeSource({ endpoint: '/api/messenger/auth-code', fetch }),
    widget: genesysMessenger({ genesys: () => messenger.Genesys }),
    random: () => 1,
  })
  manager.on('error', (error) => errors.push(error))
  await manager.start()
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

describe('genesysMessenger', () => {
  it('registers an AuthProvider plugin and answers getAuthCode from the backend', async () => {
    expect(messenger.ready).toBe(true)
    await expect(messenger.getAuthCode()).resolves.toEqual({
      authCode: `code-${T0}`,
      redirectUri: 'https://portal.example.com/callback',
      codeVerifier: 'verifier',
    })
  })

  it('re-authenticates silently and hands over a new code', async () => {
    await messenger.getAuthCode()
    await vi.advanceTimersByTimeAsync(5000)
    await expect(messenger.reAuthenticate()).resolves.toBeUndefined()
    await expect(messenger.getAuthCode()).resolves.toMatchObject({ authCode: `code-${T0 + 5000}` })
  })

  it('reports Auth.authError as widget_rejected, with the wait before the next code', () => {
    messenger.publish('Auth.authError', { errorCode: 'invalid_grant' })
    expect(errors).toEqual([expect.objectContaining({ code: 'widget_rejected', retryInMs: 1000 })])
  })

  it('retries a failed code request before answering', async () => {
    codes.push(503)
    const answer = messenger.getAuthCode()
    await vi.advanceTimersByTimeAsync(1000)
    await expect(answer).resolves.toMatchObject({ redirectUri: 'https://portal.example.com/callback' })
    expect(errors.map((error) => error.code)).toEqual(['http'])
  })

  it('refuses an answer that is not a code, and logs out when the session ends', async () => {
    codes.push({ something: 'else' }, 401)
    const refused = expect(messenger.getAuthCode()).rejects.toMatchObject({ code: 'unauthorized' })
    await vi.advanceTimersByTimeAsync(1000)
    await refused
    expect(errors.map((error) => error.code)).toEqual(['bad_response', 'unauthorized'])
    expect(messenger.calls.at(-1)).toEqual(['command', 'Auth.logout'])
  })
})
