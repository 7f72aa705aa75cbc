import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { tokens, useChromiumAndPortal, waitForEvents, waitForWidget, type Portal } from './harness'
import type { RealBrowser } from './chromium'

const shared = useChromiumAndPortal({ ttlSeconds: 8, leewaySeconds: 3 })

/** Every state the binding rendered into the page, however briefly, in `window.renderedStates`. */
const recordRenderedStates = () => {
  const rendered: string[] = ((window as unknown as { renderedStates: string[] }).renderedStates = [])
  new MutationObserver(() => {
    const state = document.getElementById('status')?.dataset.state
    if (state && state !== rendered.at(-1)) rendered.push(state)
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] })
}

async function signIn(browser: RealBrowser, portal: Portal, path: string): Promise<Page> {
  const page = await browser.newPage()
  await page.addInitScript(recordRenderedStates)
  await page.goto(`${portal.backend.url}${path}`)
  await page.fill('input[name=name]', 'Ada')
  await page.click('button')
  await waitForWidget(page, (status) => status.connected)
  return page
}

describe.each(['/spa/', '/vue/'])('the %s example in Chromium', (path) => {
  it('keeps the widget connected, shows the state, and stops with the sign-out', async () => {
    const page = await signIn(shared.browser, shared.portal, path)
    const events = await waitForEvents(page, (events) => tokens(events).length >= 2, 30_000)

    expect(tokens(events).map((event) => event.reason)).toEqual(['start', 'schedule'])
    expect(await page.textContent('#status')).toMatch(/^Chat connected; token valid until/)
    // The binding follows every state event, the short `refreshing` of a planned refresh included.
    const rendered = () => page.evaluate(() => (window as unknown as { renderedStates: string[] }).renderedStates)
    await expect.poll(rendered, { timeout: 2000 }).toEqual(['idle', 'starting', 'active', 'refreshing', 'active'])

    await page.click('#logout')
    await page.waitForSelector('input[name=name]')
    const requests = shared.portal.tokenRequests.length
    // Longer than a refresh interval: a manager left running would ask again.
    await page.waitForTimeout(7000)
    expect(shared.portal.tokenRequests.length).toBe(requests)
    await page.close()
  })
})
