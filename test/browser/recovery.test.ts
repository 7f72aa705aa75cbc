import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium, type RealBrowser } from './chromium'
import {
  dropWidget,
  openSignedIn,
  pageEvents,
  startPortal,
  states,
  tokens,
  waitForEvents,
  waitForWidget,
  widgetStatus,
  withoutStates,
  type Portal,
} from './harness'

// The example widget is as strict as the guide's: once disconnected it ignores updateConfiguration
// and comes back only through init. Real time, so few and short: tokens live 20–30 s here.

/** Past this, a drop is ordinary rather than the widget rejecting the token it just got. */
const REJECTION_WINDOW_MS = 10_000

let browser: RealBrowser
let portal: Portal | undefined

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

afterEach(async () => {
  await browser.context.setOffline(false)
  for (const page of browser.context.pages()) await page.close()
  await portal?.close()
  portal = undefined
})

const lastToken = async (page: Page) => tokens(await pageEvents(page)).at(-1)

describe('a strict widget in Chromium', () => {
  beforeEach(async () => {
    portal = await startPortal({ ttlSeconds: 30, leewaySeconds: 5 })
  })

  it('is started again with a new token after an ordinary drop, with no error', async () => {
    const page = await openSignedIn(browser, portal!)
    await waitForEvents(page, (events) => states(events).at(-1) === 'active')
    const before = await widgetStatus(page)
    await page.waitForTimeout(REJECTION_WINDOW_MS + 1000)

    await dropWidget(page)
    const after = await waitForWidget(page, (status) => status.tokensAccepted === before.tokensAccepted + 1, 5000)
    const events = await pageEvents(page)

    expect(after).toMatchObject({ connected: true, inits: before.inits + 1, ignoredUpdates: 0, disconnects: 1 })
    expect(after.tokenId).not.toBe(before.tokenId)
    expect(after.expiresAt).toBeGreaterThan(before.expiresAt)
    expect(await lastToken(page)).toMatchObject({ reason: 'disconnect' })
    expect(portal!.tokenReasons.at(-1)).toBe('disconnect')
    expect(withoutStates(events).filter((event) => event.type === 'error')).toEqual([])
    expect(states(events).slice(-2)).toEqual(['recovering', 'active'])
  })

  // Inside the token service's refresh window, which hands a session its last token: the reason the
  // SDK gives (`disconnect`) is what makes the service sign a new one.
  it('gets a token it did not just hold when it drops right after taking one', async () => {
    const page = await openSignedIn(browser, portal!)
    const before = await widgetStatus(page)

    await dropWidget(page)
    const after = await waitForWidget(page, (status) => status.connected && status.tokenId !== before.tokenId, 10_000)

    expect(after.inits).toBeGreaterThan(before.inits)
    expect(after.ignoredUpdates).toBe(0)
    expect(portal!.tokenReasons).toContain('disconnect')
  })

  it('takes the expired path when its token runs out, and is started again', async () => {
    const page = await openSignedIn(browser, portal!)
    const before = await widgetStatus(page)
    await page.waitForTimeout(REJECTION_WINDOW_MS + 1000)

    await page.click('#expire')
    const after = await waitForWidget(page, (status) => status.connected && status.tokenId !== before.tokenId, 5000)
    const events = await waitForEvents(page, (events) => states(events).at(-1) === 'active', 2000)

    expect(after.inits).toBe(before.inits + 1)
    expect(withoutStates(events).slice(-2).map((event) => event.type)).toEqual(['expired', 'token'])
    expect(await lastToken(page)).toMatchObject({ reason: 'expired' })
    expect(states(events)).toContain('expired')
    expect(states(events).at(-1)).toBe('active')
  })
})

describe('a strict widget whose token runs out while the page is offline', () => {
  beforeEach(async () => {
    portal = await startPortal({ ttlSeconds: 20, leewaySeconds: 3 })
  })

  it('is started again with a new token once the page is back online', async () => {
    const page = await openSignedIn(browser, portal!)
    const before = await widgetStatus(page)
    await browser.context.setOffline(true)
    await page.waitForSelector('#network-note', { state: 'visible', timeout: 2000 })

    // The SDK's plan runs the token out at 20 s; the widget drops it 5 s later, by its tolerance.
    const offline = await waitForWidget(page, (status) => status.phase === 'disconnected', 30_000)
    expect(offline.disconnectReason).toBe('expired')
    const whileOffline = await pageEvents(page)
    expect(states(whileOffline)).toContain('expired')
    expect(withoutStates(whileOffline).some((event) => event.type === 'error' && event.code === 'network')).toBe(true)
    expect(await page.textContent('#state')).toMatch(/^(expired|recovering)$/)
    expect(await page.textContent('#network-note')).toMatch(/^Offline: the token ran out/)

    await browser.context.setOffline(false)
    const after = await waitForWidget(page, (status) => status.connected, 5000)
    const events = await waitForEvents(page, (events) => states(events).at(-1) === 'active', 2000)

    expect(after.tokenId).not.toBe(before.tokenId)
    expect(after.inits).toBe(before.inits + 1)
    expect(after.ignoredUpdates).toBe(0)
    const recovery = states(events).slice(states(events).lastIndexOf('expired'))
    expect(recovery.at(-1)).toBe('active')
    expect(await page.textContent('#state')).toBe('active')
    await page.waitForSelector('#network-note', { state: 'hidden', timeout: 2000 })
  })
})
