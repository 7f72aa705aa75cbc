import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenManager, type TokenManager } from '../../src'
import { intercomWidget, type IntercomCommand } from '../../src/adapters/intercom'
import { createBackend, type Backend } from '../helpers/backend'
import { ENDPOINT, T0 } from '../helpers/setup'

// The Intercom JavaScript API, after https://developers.intercom.com/installing-intercom/web/methods :
// Intercom('boot', settings), Intercom('update', settings), Intercom('shutdown').
let backend: Backend
let manager: TokenManager
let Intercom: ReturnType<typeof vi.fn<IntercomCommand>>

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
  backend = createBackend()
  Intercom = vi.fn<IntercomCommand>()
  manager = createTokenManager({
    endpoint: ENDPOINT,
    fetch: backend.fetch,
    widget: intercomWidget({ settings: { app_id: 'abc123', hide_default_launcher: true }, intercom: () => Intercom }),
  })
})

afterEach(() => {
  manager.stop()
  vi.useRealTimers()
})

describe('intercomWidget', () => {
  it('boots with the first token and updates with the next', async () => {
    await manager.start()
    await manager.refresh()
    expect(Intercom.mock.calls).toEqual([
      ['boot', { app_id: 'abc123', hide_default_launcher: true, intercom_user_jwt: backend.issued[0] }],
      ['update', { intercom_user_jwt: backend.issued[1] }],
    ])
  })

  it('shuts down when the portal session ends', async () => {
    await manager.start()
    backend.answer({ status: 403 })
    await manager.refresh().catch(() => {})
    expect(Intercom).toHaveBeenLastCalledWith('shutdown')
  })
})
