// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import type { TokenService } from 'widget-token-server'
import { createService, runOnFakeTime, tokenRequest } from './helpers'

// The browser SDK says why it asks: `{"reason":"…"}`. A widget that dropped or refused its token must
// not be handed that token again from the refresh window.

let service: TokenService

runOnFakeTime()

const ask = async (reason: string | undefined, session = 'a') => {
  const response = await service.fetch(tokenRequest('/token/refresh', { session, body: reason === undefined ? '' : JSON.stringify({ reason }) }))
  return { status: response.status, ...((await response.json()) as { token?: string; code?: string; message?: string }) }
}

describe('the reason a token is asked for', () => {
  it.each(['start', 'schedule', 'visible', 'resume', 'online', 'manual', 'retry', 'tab'])('shares the window’s token for %s', async (reason) => {
    ;({ service } = createService())
    const held = await ask('schedule')
    expect((await ask(reason)).token).toBe(held.token)
  })

  it.each(['disconnect', 'expired', 'refused'])('signs a new token for %s, and the window holds the new one', async (reason) => {
    ;({ service } = createService())
    const held = await ask('schedule')
    const fresh = await ask(reason)
    expect(fresh.status).toBe(200)
    expect(fresh.token).not.toBe(held.token)
    vi.advanceTimersByTime(1000)
    expect((await ask('tab')).token).toBe(fresh.token)
  })

  it('shares the window’s token for an empty body, as before reasons were sent', async () => {
    ;({ service } = createService())
    const held = await ask(undefined)
    expect((await ask(undefined)).token).toBe(held.token)
    expect((await service.fetch(tokenRequest('/token/refresh', { body: null }))).status).toBe(200)
  })

  it.each([
    ['not JSON', 'reason=disconnect'],
    ['a JSON array', '["disconnect"]'],
    ['JSON null', 'null'],
    ['a JSON string', '"disconnect"'],
    ['a reason that is not a string', '{"reason":7}'],
  ])('answers 400 bad_request to a body that is %s', async (_, body) => {
    ;({ service } = createService())
    const response = await service.fetch(tokenRequest('/token', { body }))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { code: string }).code).toBe('bad_request')
  })
})
