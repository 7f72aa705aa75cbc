import { mkdirSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium, type RealBrowser } from './chromium'
import { dropWidget, openSignedIn, pageEvents, startPortal, states, tokens, waitForEvents, waitForWidget, widgetStatus, withoutStates, type Portal } from './harness'

let browser: RealBrowser
let portal: Portal

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

beforeEach(async () => {
  portal = await startPortal()
})

afterEach(async () => {
  for (const page of browser.context.pages()) await page.close()
  await portal.close()
})

describe('the portal in Chromium', () => {
  it('connects the widget with one token request on page load', async () => {
    const page = await openSignedIn(browser, portal)
    const events = await waitForEvents(page, (events) => tokens(events).length === 1)

    expect(portal.tokenRequests).toEqual(['/api/v1/embedded-cx/token'])
    expect(withoutStates(events)[0]).toMatchObject({ type: 'token', reason: 'start' })
    expect(await widgetStatus(page)).toMatchObject({ connected: true, tokensAccepted: 1 })
  })

  it('keeps the widget connected through several refreshes', async () => {
    const page = await openSignedIn(browser, portal)
    const events = await waitForEvents(page, (events) => tokens(events).length >= 4, 30_000)

    expect(tokens(events).slice(1).every((event) => event.reason === 'schedule')).toBe(true)
    // Each planned refresh: active → refreshing → active, never recovering or expired.
    const seen = states(events)
    expect(seen.slice(0, 2)).toEqual(['starting', 'active'])
    expect(new Set(seen.slice(2))).toEqual(new Set(['refreshing', 'active']))
    expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0, tokensRejected: 0 })
    mkdirSync('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/portal-after-refreshes.png' })
  })

  it.each([
    ['another tab is brought to the front', async (page: import('playwright-core').Page) => {
      const other = await browser.newPage()
      await other.bringToFront()
      return async () => page.bringToFront()
    }],
    ['the window is minimised', async (page: import('playwright-core').Page) => {
      await browser.setWindow(page, 'minimized')
      return async () => browser.setWindow(page, 'normal')
    }],
  ])('stays connected when %s past the refresh time', async (_, hide) => {
    const page = await openSignedIn(browser, portal)
    const show = await hide(page)
    expect(await page.evaluate(() => document.visibilityState)).toBe('hidden')
    await page.waitForTimeout(9000)
    await show()

    const status = await waitForWidget(page, (status) => status.connected && status.secondsLeft > 3, 2000)
    expect(status.disconnects).toBe(0)
    expect(tokens(await pageEvents(page)).length).toBeGreaterThanOrEqual(2)
  })

  it('refreshes at once when a frozen tab resumes past its token’s expiry, without a reload', async () => {
    const page = await openSignedIn(browser, portal)
    await page.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 42))
    await browser.setLifecycle(page, 'frozen')
    await new Promise((resolve) => setTimeout(resolve, 12_000))
    await browser.setLifecycle(page, 'active')

    const events = await waitForEvents(page, (events) => events.some((event) => event.type === 'token' && event.reason !== 'start'), 5000)
    const afterFreeze = withoutStates(events).slice(1).map((event) => event.type)
    expect(afterFreeze.indexOf('expired')).toBeGreaterThanOrEqual(0)
    expect(afterFreeze.indexOf('expired')).toBeLessThan(afterFreeze.indexOf('token'))
    await waitForWidget(page, (status) => status.connected, 5000)
    expect(await page.evaluate(() => (window as unknown as { loadMarker: number }).loadMarker)).toBe(42)
  })

  it('retries while offline and recovers within one backoff step of coming back', async () => {
    const page = await openSignedIn(browser, portal)
    await browser.context.setOffline(true)
    const offline = await waitForEvents(page, (events) => events.filter((event) => event.code === 'network').length >= 2, 20_000)
    const lastRetryInMs = Number(offline.filter((event) => event.code === 'network').at(-1)!.retryInMs)
    expect(lastRetryInMs).toBeGreaterThan(0)

    const backOnline = Date.now()
    await browser.context.setOffline(false)
    await waitForEvents(page, (events) => tokens(events).length >= 2, lastRetryInMs + 3000)
    expect(Date.now() - backOnline).toBeLessThan(lastRetryInMs + 3000)
    await waitForWidget(page, (status) => status.connected, 5000)
  })

  it('backs off through three 500s, then recovers', async () => {
    const page = await openSignedIn(browser, portal)
    portal.backend.failNext(500, 500, 500)
    const events = await waitForEvents(page, (events) => tokens(events).length >= 2, 30_000)
    const errors = events.filter((event) => event.type === 'error')

    expect(errors.map((event) => event.code)).toEqual(['http', 'http', 'http'])
    expect(errors.every((event) => Number(event.retryInMs) > 0)).toBe(true)
    expect(portal.tokenRequests).toHaveLength(5)
  })

  it('ends on 401 and asks no more', async () => {
    const page = await openSignedIn(browser, portal)
    portal.backend.endSessions()
    await waitForEvents(page, (events) => events.some((event) => event.type === 'ended'), 15_000)
    const requests = portal.tokenRequests.length
    await page.waitForTimeout(9000)

    expect(portal.tokenRequests).toHaveLength(requests)
    expect((await pageEvents(page)).filter((event) => event.type === 'ended')).toEqual([expect.objectContaining({ code: 'unauthorized' })])
    expect(states(await pageEvents(page)).at(-1)).toBe('ended')
  })

  it('makes one token request for a burst of twenty disconnects', async () => {
    const page = await openSignedIn(browser, portal)
    const before = portal.tokenRequests.length
    await dropWidget(page, 20)
    await page.waitForTimeout(1500)

    expect(portal.tokenRequests.length - before).toBe(1)
    expect(await widgetStatus(page)).toMatchObject({ connected: true })
  })
})
