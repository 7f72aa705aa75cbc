import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager } from '../../src'
import { twilioConversations } from '../../src/adapters/twilio'
import { createBackend, type Backend } from '../helpers/backend'
import { createFakeTwilioClient } from '../helpers/fakes/twilio'
import { ENDPOINT, T0 } from '../helpers/setup'

let backend: Backend
let manager: TokenManager
let client: ReturnType<typeof createFakeTwilioClient> | undefined

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  client = undefined
  manager = createTokenManager({
    endpoint: ENDPOINT,
    fetch: backend.fetch,
    widget: twilioConversations({ connect: (token) => (client = createFakeTwilioClient(token)) }),
  })
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

describe('twilioConversations', () => {
  it.each(['tokenAboutToExpire', 'tokenExpired'] as const)('creates the client with the first token and updates it on %s', async (event) => {
    await manager.start()
    client!.emit(event)
    await vi.advanceTimersByTimeAsync(0)

    expect(client!.tokens).toEqual(backend.issued)
    expect(client!.updateToken).toHaveBeenCalledTimes(1)
  })

  it('removes its listeners on stop and shuts the client down when the session ends', async () => {
    await manager.start()
    backend.answer({ status: 401 })
    await manager.refresh().catch(() => {})
    expect(client!.shutdown).toHaveBeenCalled()
    expect(client!.listenerCount()).toBe(0)
  })
})
