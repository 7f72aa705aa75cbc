import { describe, expect, it } from 'vitest'
import { openSignedIn, tokens, useChromiumAndPortal, waitForEvents, widgetStatus } from './harness'

const shared = useChromiumAndPortal()

describe('the single-page app in Chromium', () => {
  it('keeps the widget connected through refreshes with the bundled ESM build', async () => {
    const page = await openSignedIn(shared.browser, shared.portal, '/spa/')
    const events = await waitForEvents(page, (events) => tokens(events).length >= 3, 30_000)

    expect(tokens(events).map((event) => event.reason)).toEqual(['start', 'schedule', 'schedule'])
    expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
  })
})
