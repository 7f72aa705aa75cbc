import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { startPortal, type Portal } from '../browser/harness'
import { CHROMIUM, launchChromium, type RealBrowser } from '../browser/chromium'

// npm runs the bench from the repository root.
const root = `${process.cwd()}/`
const BATCHES = 9
const STARTS_PER_BATCH = 200

export interface StartCost {
  /** Median over the batches of the mean time per start. */
  microsPerStart: number
  starts: number
}

/**
 * The SDK's own time from `start()` to the widget's `init`, in Chromium, with a token source that
 * answers at once: decoding, validating, planning and handing over, without the network. One start
 * is below `performance.now()`'s resolution in a page that is not cross-origin isolated, so batches
 * of many starts are timed together.
 */
export async function startToInitCost(): Promise<StartCost | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`
  const sdk = readFileSync(`${root}dist/widget-token.iife.min.js`)
  const server = createServer((request, response) => {
    if (request.url === '/sdk.js') return response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(sdk)
    response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script src="/sdk.js"></script>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const means = await page.evaluate(
      async ({ batches, perBatch }) => {
        const { createTokenManager, genWidget } = (window as unknown as { WidgetToken: typeof import('../../src') }).WidgetToken
        const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
        const iat = Math.floor(Date.now() / 1000)
        const token = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ aud: 'org', iat, exp: iat + 1800, sub: 'visitor' })}.c2ln`
        const gen = { init() {}, on() {} }
        // A `fetchToken` source without a `tabKey` works alone: no tab is asked for its token first.
        const startOnce = async () => {
          const manager = createTokenManager({ fetchToken: async () => ({ token, expiresIn: 1800 }), widget: genWidget({ config: { organization: { id: 'org' } }, gen }) })
          await manager.start()
          manager.stop()
        }
        for (let i = 0; i < perBatch; i++) await startOnce()
        const results: number[] = []
        for (let batch = 0; batch < batches; batch++) {
          const startedAt = performance.now()
          for (let i = 0; i < perBatch; i++) await startOnce()
          results.push(((performance.now() - startedAt) * 1000) / perBatch)
        }
        return results
      },
      { batches: BATCHES, perBatch: STARTS_PER_BATCH },
    )
    means.sort((a, b) => a - b)
    return { microsPerStart: means[Math.floor(means.length / 2)]!, starts: BATCHES * STARTS_PER_BATCH }
  } finally {
    await browser.close()
    server.close()
  }
}

const CHROMIUM_TOKEN_SECONDS = 8
const CHROMIUM_LEEWAY_SECONDS = 3
const CHROMIUM_CYCLE_MS = (CHROMIUM_TOKEN_SECONDS - CHROMIUM_LEEWAY_SECONDS) * 1000

/** Opens the portal in a new tab, signs in unless the browser already has a session, and waits for a connected widget. */
async function openPortal(browser: RealBrowser, portal: Portal): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(portal.backend.url)
  if (await page.$('input[name=name]')) {
    await page.fill('input[name=name]', 'Ada')
    await Promise.all([page.waitForEvent('load'), page.click('button')])
  }
  // The widget's script may load after the page: wait for it as well as for its connection.
  await page.waitForFunction(() => (window as unknown as { gen?: { status(): { connected: boolean } } }).gen?.status().connected === true, undefined, { timeout: 30_000, polling: 100 })
  return page
}

/**
 * Token requests per refresh cycle in real Chromium: `tabs` tabs of the example portal (the
 * script-tag build, tab sharing at its default) over 8-second tokens replaced 3 seconds early,
 * counted after the tabs have settled. A failure is reported, not thrown: it depends on the example
 * backend and its pages.
 */
export async function requestsPerCycleInChromium(tabCounts: number[], { warmUpCycles = 2, cycles = 8 } = {}): Promise<Record<number, number> | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`
  const results: Record<number, number> = {}
  for (const tabs of tabCounts) {
    const portal = await startPortal({ ttlSeconds: CHROMIUM_TOKEN_SECONDS, leewaySeconds: CHROMIUM_LEEWAY_SECONDS })
    const browser = await launchChromium()
    try {
      const pages: Page[] = []
      for (let tab = 0; tab < tabs; tab++) pages.push(await openPortal(browser, portal))
      await pages[0]!.waitForTimeout(warmUpCycles * CHROMIUM_CYCLE_MS)
      const before = portal.tokenRequests.length
      await pages[0]!.waitForTimeout(cycles * CHROMIUM_CYCLE_MS)
      results[tabs] = (portal.tokenRequests.length - before) / cycles
    } catch (error) {
      return `failed with ${tabs} tabs: ${(error as Error).message.split('\n')[0]}`
    } finally {
      await browser.close()
      await portal.close()
    }
  }
  return results
}
