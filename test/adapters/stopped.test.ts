import { describe, expect, it, vi } from 'vitest'
import { createTokenManager, genWidget, type TokenManager, type WidgetAdapter } from '../../src'
import { intercomWidget, type IntercomCommand } from '../../src/adapters/intercom'
import { salesforceWidget, type EmbeddedServiceBootstrap } from '../../src/adapters/salesforce'
import { jwt, ORG_ID } from '../helpers/jwt'
import { genConfig } from '../helpers/setup'

const iat = Math.floor(Date.now() / 1000)
const token = jwt({ aud: ORG_ID, user_id: 'visitor-1', iat, exp: iat + 1800 })

/**
 * Starts a manager whose adapter finds its widget script at once, and stops it in the same breath:
 * `stop()` lands after the script was found and before the adapter's next step.
 */
async function stopRightAfterTheWidgetIsFound(widget: (stopSoon: () => void) => WidgetAdapter): Promise<void> {
  let manager: TokenManager | undefined
  const stopSoon = () => queueMicrotask(() => manager?.stop())
  manager = createTokenManager({ fetchToken: async () => ({ token, expiresIn: 1800 }), widget: widget(stopSoon), tabs: false })
  await expect(manager.start()).rejects.toMatchObject({ name: 'AbortError' })
}

describe('a manager stopped while its adapter finds the widget', () => {
  it('never starts the gen widget', async () => {
    const gen = { init: vi.fn(), updateConfiguration: vi.fn(), on: vi.fn() }
    await stopRightAfterTheWidgetIsFound((stopSoon) => genWidget({ config: genConfig, gen: () => (stopSoon(), gen) }))
    expect(gen.init).not.toHaveBeenCalled()
  })

  it('never boots Intercom', async () => {
    const intercom = vi.fn<IntercomCommand>()
    await stopRightAfterTheWidgetIsFound((stopSoon) => intercomWidget({ settings: { app_id: 'abc123' }, intercom: () => (stopSoon(), intercom) }))
    expect(intercom).not.toHaveBeenCalled()
  })

  it('never hands Salesforce the token', async () => {
    const setIdentityToken = vi.fn(() => true)
    const bootstrap = { userVerificationAPI: { setIdentityToken, clearSession: async () => {} } } satisfies EmbeddedServiceBootstrap
    await stopRightAfterTheWidgetIsFound((stopSoon) => salesforceWidget({ ready: true, bootstrap: () => (stopSoon(), bootstrap) }))
    expect(setIdentityToken).not.toHaveBeenCalled()
  })
})
