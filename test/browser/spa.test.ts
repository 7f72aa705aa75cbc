import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, type RealBrowser } from './chromium'
import { openSignedIn, startPortal, tokens, waitForEvents, widgetStatus, type Portal } from './harness'

let browser: RealBrowser
let portal: Portal

beforeAll(async () => {
  browser = await launchChromium()
  portal = await startPortal()
})

afterAll(async () => {
  await browser?.close()
  await portal?.close()
})

describe('the single-page app in Chromium', () => {
  it('keeps the widget connected through refreshes with the bundled ESM build', async () => {
    const page = await openSignedIn(browser, portal, '/spa/')
    const events = await waitForEvents(page, (events) => tokens(events).length >= 3, 30_000)

    expect(tokens(events).map((event) => event.reason)).toEqual(['start', 'schedule', 'schedule'])
    expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
  })
})
