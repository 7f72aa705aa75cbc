import { describe, expect, it } from 'vitest'
import { openSignedIn, pageEvents, tokens, useChromiumAndPortal, widgetStatus } from './harness'

const shared = useChromiumAndPortal({ ttlSeconds: 8, leewaySeconds: 3 })

const REFRESH_EVERY_MS = 5000

describe('three tabs of the SPA', () => {
  it('make one token request per lifetime, stay connected, and outlive the tab that refreshed last', async () => {
    const pages = [await openSignedIn(shared.browser, shared.portal, '/spa/'), await openSignedIn(shared.browser, shared.portal, '/spa/'), await openSignedIn(shared.browser, shared.portal, '/spa/')]
    const before = shared.portal.tokenRequests.length
    const windowMs = 4 * REFRESH_EVERY_MS
    await pages[0]!.waitForTimeout(windowMs)

    // One request per lifetime, give or take the lifetime that straddles the window's edges.
    expect(shared.portal.tokenRequests.length - before).toBeLessThanOrEqual(windowMs / REFRESH_EVERY_MS + 1)
    for (const page of pages) expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
    const adopted = (await Promise.all(pages.map(pageEvents))).flatMap(tokens).filter((event) => event.reason === 'tab')
    expect(adopted.length).toBeGreaterThanOrEqual(4)

    const lastToAsk = await Promise.all(pages.map(async (page) => tokens(await pageEvents(page)).at(-1)!.reason !== 'tab'))
    const closing = lastToAsk.indexOf(true)
    await pages[closing]!.close()
    const remaining = pages.filter((_, index) => index !== closing)
    const afterClose = shared.portal.tokenRequests.length
    await remaining[0]!.waitForTimeout(3 * REFRESH_EVERY_MS)

    expect(shared.portal.tokenRequests.length - afterClose).toBeGreaterThanOrEqual(2)
    for (const page of remaining) expect(await widgetStatus(page)).toMatchObject({ connected: true, disconnects: 0 })
  })
})
