import type { Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { openSignedIn, useChromiumAndPortal, waitForEvents, states } from './harness'

const shared = useChromiumAndPortal({ ttlSeconds: 30, leewaySeconds: 5 })
const PAGES = ['/', '/spa/', '/vue/']

afterEach(async () => {
  await shared.browser.context.setOffline(false)
  for (const page of shared.browser.context.pages()) await page.close()
})

async function openAt(path: string, width: number): Promise<Page> {
  return openSignedIn(shared.browser, shared.portal, path, (page) => page.setViewportSize({ width, height: 844 }))
}

/** The elements the widget's panel lies over (ancestors aside), and whether it fits the viewport. */
const underWidget = (page: Page) =>
  page.evaluate(() => {
    const panel = document.getElementById('gen-widget')!
    const box = panel.getBoundingClientRect()
    const covered = [...document.body.querySelectorAll('*')]
      .filter((element) => element !== panel && !panel.contains(element) && !element.contains(panel))
      .filter((element) => {
        const other = element.getBoundingClientRect()
        return other.width > 0 && other.height > 0 && other.left < box.right && other.right > box.left && other.top < box.bottom && other.bottom > box.top
      })
      .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`)
    return { covered, fits: box.left >= 0 && box.right <= window.innerWidth }
  })

describe('the demo pages in Chromium', () => {
  it.each(PAGES.flatMap((path) => [390, 1600].map((width) => [path, width] as const)))('%s at %i px: the widget covers nothing', async (path, width) => {
    const page = await openAt(path, width)
    await page.waitForTimeout(300)
    expect(await underWidget(page)).toEqual({ covered: [], fits: true })
  })

  it.each(PAGES)('%s shows the shared panel: state from the state events, expiry, next refresh, buttons and legend', async (path) => {
    const page = await openSignedIn(shared.browser, shared.portal, path)
    await waitForEvents(page, (events) => states(events).at(-1) === 'active')

    expect(await page.textContent('#panel #state')).toBe('active')
    expect(await page.textContent('#panel #expires')).toMatch(/^\d+ s$/)
    expect(await page.textContent('#panel #next')).toMatch(/^\d+ s$/)
    for (const button of ['#disconnect', '#expire', '#network']) expect(await page.isVisible(`#panel ${button}`)).toBe(true)
    const legend = await page.textContent('#panel details')
    for (const term of ['recovering', 'disconnect', 'widget_rejected', 'unauthorized']) expect(legend).toContain(term)
  })

  it.each(PAGES)('%s: "Go offline" says the page is offline and what happens next', async (path) => {
    const page = await openSignedIn(shared.browser, shared.portal, path)
    expect(await page.isVisible('#network-note')).toBe(false)

    await page.click('#network')
    await page.waitForSelector('#network-note', { state: 'visible', timeout: 1000 })
    expect(await page.textContent('#network-note')).toMatch(/^Offline: .* keeps its token for \d+ s; .*at once when you press "Go online"\.$/)
    expect(await page.textContent('#network')).toBe('Go online')

    await page.click('#network')
    await page.waitForSelector('#network-note', { state: 'hidden', timeout: 1000 })
  })

  it('the portal, once its session ended, offers to sign in again and no longer promises a connected chat', async () => {
    const page = await openSignedIn(shared.browser, shared.portal, '/')
    shared.portal.backend.endSessions()
    await page.evaluate(() => (window as unknown as { portalManager: { refresh(): Promise<void> } }).portalManager.refresh().catch(() => {}))
    await page.waitForSelector('#sign-in', { timeout: 5000 })

    expect(await page.textContent('body')).not.toMatch(/stay connected/)
    expect(await page.textContent('#panel #state')).toBe('ended')
    expect(await page.isVisible('#panel #disconnect')).toBe(false)
  })
})
