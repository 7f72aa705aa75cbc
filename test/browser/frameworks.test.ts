import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { tokens, useChromiumAndPortal, waitForEvents, waitForWidget, type Portal } from './harness'
import type { RealBrowser } from './chromium'

const shared = useChromiumAndPortal({ ttlSeconds: 8, leewaySeconds: 3 })

const VUE_APP = new URL('../../examples/vue/dist/app.js', import.meta.url)

/**
 * Serves the Vue example where the backend does not (yet): its page is the SPA shell loading
 * `/vue/app.js`, with the backend's own headers (CSP included).
 */
async function serveVueExample(page: Page, portal: Portal): Promise<void> {
  await page.route('**/vue/', async (route) => {
    const own = await route.fetch()
    if (own.ok()) return route.fulfill({ response: own })
    const shell = await route.fetch({ url: `${portal.backend.url}/spa/` })
    await route.fulfill({ response: shell, body: (await shell.text()).replace('/spa/app.js', '/vue/app.js') })
  })
  await page.route('**/vue/app.js', async (route) => {
    const own = await route.fetch()
    if (own.ok()) return route.fulfill({ response: own })
    await route.fulfill({ status: 200, contentType: 'text/javascript', body: await readFile(VUE_APP, 'utf8') })
  })
}

async function signIn(browser: RealBrowser, portal: Portal, path: string): Promise<Page> {
  const page = await browser.newPage()
  if (path === '/vue/') await serveVueExample(page, portal)
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

    await page.click('#logout')
    await page.waitForSelector('input[name=name]')
    const requests = shared.portal.tokenRequests.length
    // Longer than a refresh interval: a manager left running would ask again.
    await page.waitForTimeout(7000)
    expect(shared.portal.tokenRequests.length).toBe(requests)
    await page.close()
  })
})
