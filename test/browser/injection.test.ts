import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startInjectionDemo, type InjectionDemo } from '../../examples/data-injection/demo-server'
import { launchChromium, type RealBrowser } from './chromium'

let browser: RealBrowser
let demo: InjectionDemo

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

beforeEach(async () => {
  demo = await startInjectionDemo()
})

afterEach(async () => {
  for (const page of browser.context.pages()) await page.close()
  await demo.close()
})

async function openDemo(width = 1000): Promise<Page> {
  const page = await browser.newPage()
  await page.setViewportSize({ width, height: 844 })
  await page.goto(demo.url)
  return page
}

/** Starts a chat and waits until the worker's three PATCH requests show on the page. */
async function startChat(page: Page): Promise<string> {
  await page.click('#start')
  await page.waitForFunction(() => /^Conversation \S+$/.test(document.getElementById('conversation')?.textContent ?? ''))
  const conversationId = (await page.textContent('#conversation'))!.replace('Conversation ', '')
  await page.waitForFunction(() => document.getElementById('patches')?.textContent?.endsWith('(3)'), undefined, { timeout: 10_000 })
  return conversationId
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The page's activity entries, newest first, once one matches `pattern`. */
async function waitForEntry(page: Page, pattern: RegExp): Promise<string[]> {
  await page.locator('#activity li', { hasText: pattern }).first().waitFor({ timeout: 10_000 })
  return page.$$eval('#activity li', (items) => items.map((item) => item.textContent ?? ''))
}

describe('the data-injection demo in Chromium', () => {
  it('"Start a chat" shows the token, the conversation, and what the worker wrote onto it', async () => {
    const page = await openDemo()
    const conversationId = await startChat(page)

    expect(await page.textContent('#token-claims')).toContain('"cxRef"')
    expect(await page.textContent('#secure')).toBe('crm.email, crm.accountNumber')
    await waitForEntry(page, new RegExp(`Started conversation ${escapeRegExp(conversationId)} as Ada Lovelace`))
    await waitForEntry(page, new RegExp(`${escapeRegExp(conversationId)}: wrote 6 attributes`))
  })

  it('"Send the event again" shows the event sent again and the worker writing nothing twice', async () => {
    const page = await openDemo()
    const conversationId = await startChat(page)

    await page.click('#redeliver')
    const id = escapeRegExp(conversationId)
    const entries = await waitForEntry(page, new RegExp(`${id}: already handled`))

    const sent = entries.findIndex((entry) => new RegExp(`Sent the event of conversation ${id} again`).test(entry))
    const deduplicated = entries.findIndex((entry) => new RegExp(`${id}: already handled, nothing written twice`).test(entry))
    expect(sent).toBeGreaterThanOrEqual(0)
    expect(deduplicated).toBeLessThan(sent)
    expect(await page.textContent('#patches')).toMatch(/\(3\)$/)
    expect(demo.simulation.patches).toHaveLength(3)
  })

  it('"Drop the worker\'s socket" shows the socket closed and the worker connected again', async () => {
    const page = await openDemo()
    const channelsBefore = demo.simulation.channels.size

    await page.click('#drop')
    const entries = await waitForEntry(page, /reconnected/)

    const dropped = entries.findIndex((entry) => /closed the worker's socket/.test(entry))
    const reconnected = entries.findIndex((entry) => /reconnected/.test(entry))
    expect(dropped).toBeGreaterThanOrEqual(0)
    expect(reconnected).toBeLessThan(dropped)
    expect(demo.simulation.channels.size).toBe(channelsBefore + 1)
  })

  it('a button whose request fails says so on the page', async () => {
    const page = await openDemo()
    await page.route('**/demo/drop-socket', (route) => route.fulfill({ status: 503, body: 'the simulation is down' }))

    await page.click('#drop')
    await page.locator('#activity li.error').waitFor({ timeout: 5000 })

    expect(await page.textContent('#activity li.error')).toMatch(/did not do it: 503 the simulation is down$/)
  })

  it('at 390 px wide nothing is cut off: no sideways scroll, the claims and the activity wrap', async () => {
    const page = await openDemo(390)
    await startChat(page)
    const fitting = { left: true, right: true, hiddenWidth: 0 }

    const afterChat = await layoutAt390(page)
    expect(afterChat.pageWidth).toBeLessThanOrEqual(390)
    expect(afterChat.claims).toEqual(fitting)
    expect(afterChat.buttons).toEqual(afterChat.buttons.map(() => fitting))

    await page.click('#redeliver')
    await page.click('#drop')
    await waitForEntry(page, /reconnected/)
    const afterButtons = await layoutAt390(page)
    expect(afterButtons.pageWidth).toBeLessThanOrEqual(390)
    expect(afterButtons.activity.length).toBeGreaterThan(3)
    expect(afterButtons.activity).toEqual(afterButtons.activity.map(() => fitting))
  })
})

/** The page's width, and for each element that matters whether it lies within the viewport and hides none of its width. */
const layoutAt390 = (page: Page) =>
  page.evaluate(() => {
    const fits = (element: Element) => {
      const box = element.getBoundingClientRect()
      return { left: box.left >= 0, right: box.right <= window.innerWidth, hiddenWidth: element.scrollWidth - element.clientWidth }
    }
    return {
      pageWidth: document.documentElement.scrollWidth,
      claims: fits(document.getElementById('token-claims')!),
      buttons: [...document.querySelectorAll('button')].map(fits),
      activity: [...document.querySelectorAll('#activity li')].map(fits),
    }
  })
