import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { openSignedIn, pageEvents, tokens, useChromiumAndPortal, waitForEvents, widgetStatus, withoutStates } from './harness'

const shared = useChromiumAndPortal({ ttlSeconds: 8, leewaySeconds: 3 })

/** Tokens live 8 s and are replaced 3 s before they run out. */
const LIFETIME_MS = 5000

let pages: Page[] = []

afterEach(async () => {
  for (const page of pages) if (!page.isClosed()) await page.close()
  pages = []
})

async function openTabs(count: number, path: string): Promise<Page[]> {
  for (let i = 0; i < count; i++) pages.push(await openSignedIn(shared.browser, shared.portal, path))
  return pages
}

/** The gaps between token requests from `since` on, in ms. */
function gapsSince(since: number): number[] {
  const times = shared.portal.tokenRequestTimes.filter((time) => time >= since)
  return times.slice(1).map((time, index) => time - times[index]!)
}

describe.each([
  ['the portal (script tag)', '/'],
  ['the SPA (ESM build)', '/spa/'],
])('tabs of %s, sharing by default', (_, path) => {
  it.each([3, 10])('%i tabs make exactly one token request per lifetime, every widget connected', async (count) => {
    const opened = await openTabs(count, path)
    // Past the start-up, steady state: one lifetime to settle, four to count.
    await opened[0]!.waitForTimeout(LIFETIME_MS)
    const since = Date.now()
    await opened[0]!.waitForTimeout(4 * LIFETIME_MS)

    const gaps = gapsSince(since)
    expect(gaps.length).toBeGreaterThanOrEqual(2)
    expect(gaps.length).toBeLessThanOrEqual(4)
    // One request per lifetime: never two within one.
    for (const gap of gaps) expect(gap).toBeGreaterThan(LIFETIME_MS * 0.6)
    for (const page of opened) expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
    const firstTokens = await Promise.all(opened.slice(1).map(async (page) => tokens(await pageEvents(page))[0]?.reason))
    expect(firstTokens.every((reason) => reason === 'tab')).toBe(true)
  })
})

describe('three tabs of the portal', () => {
  it('outlive the tab that refreshed last', async () => {
    const opened = await openTabs(3, '/')
    await opened[0]!.waitForTimeout(2 * LIFETIME_MS)
    const lastToAsk = await Promise.all(opened.map(async (page) => tokens(await pageEvents(page)).at(-1)!.reason !== 'tab'))
    const closing = Math.max(0, lastToAsk.lastIndexOf(true))
    await opened[closing]!.close()
    const remaining = opened.filter((_, index) => index !== closing)
    const afterClose = shared.portal.tokenRequests.length
    await remaining[0]!.waitForTimeout(3 * LIFETIME_MS)

    expect(shared.portal.tokenRequests.length - afterClose).toBeGreaterThanOrEqual(2)
    for (const page of remaining) expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
  })

  it('all end within a second when the visitor signs out in one', async () => {
    const opened = await openTabs(3, '/')
    const requestsBefore = shared.portal.tokenRequests.length
    await opened[0]!.bringToFront()
    await Promise.all([opened[0]!.waitForEvent('load'), opened[0]!.click('#logout')])
    const others = opened.slice(1)
    for (const page of others) {
      const events = await waitForEvents(page, (events) => events.some((event) => event.type === 'ended'), 1000)
      expect(withoutStates(events).at(-1)).toMatchObject({ type: 'ended', code: 'unauthorized' })
    }
    // The sign-out tab's refresh met the 401; no other tab had to ask.
    expect(shared.portal.tokenRequests.length - requestsBefore).toBe(1)
  })
})
