import type { Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { createBackend, type Backend, type BackendOptions } from '../../examples/backend/server.mjs'
import { launchChromium, type RealBrowser } from './chromium'

export interface PageEvent {
  type: 'state' | 'token' | 'expired' | 'error' | 'ended' | 'warning'
  reason: string
  code: string
  retryInMs: string
  /** For `state` entries: the state entered. */
  state: string
}

export interface Portal {
  backend: Backend
  /** Token requests the backend received, in order. */
  tokenRequests: string[]
  /** When each of them arrived, epoch ms. */
  tokenRequestTimes: number[]
  /** The reason each token request gave in its body, in order (`undefined`: none). */
  tokenReasons: Array<string | undefined>
  close(): Promise<void>
}

/** The example backend with short token lifetimes, counting the token requests it gets. */
export async function startPortal(options: BackendOptions = {}): Promise<Portal> {
  const tokenReasons: Array<string | undefined> = []
  const backend = await createBackend({ ttlSeconds: 8, leewaySeconds: 3, onTokenRequest: ({ reason }) => tokenReasons.push(reason), ...options })
  const tokenRequests: string[] = []
  const tokenRequestTimes: number[] = []
  backend.server.on('request', (request) => {
    if (!request.url?.startsWith('/api/v1/embedded-cx/token')) return
    tokenRequests.push(request.url)
    tokenRequestTimes.push(Date.now())
  })
  return { backend, tokenRequests, tokenRequestTimes, tokenReasons, close: () => backend.close() }
}

/** One Chromium and one example backend for a whole test file. */
export function useChromiumAndPortal(options: BackendOptions = {}): { browser: RealBrowser; portal: Portal } {
  const shared = {} as { browser: RealBrowser; portal: Portal }
  beforeAll(async () => {
    shared.browser = await launchChromium()
    shared.portal = await startPortal(options)
  })
  afterAll(async () => {
    await shared.browser?.close()
    await shared.portal?.close()
  })
  return shared
}

/**
 * Opens `path` in a new tab, signs in unless the browser already has a session, and waits for the
 * widget to connect. `watch` sees the page before it loads.
 */
export async function openSignedIn(browser: RealBrowser, portal: Portal, path = '/', watch?: (page: Page) => void | Promise<void>): Promise<Page> {
  const page = await browser.newPage()
  await watch?.(page)
  await page.goto(`${portal.backend.url}${path}`)
  if (await page.$('input[name=name]')) {
    await page.fill('input[name=name]', 'Ada')
    await Promise.all([path === '/' ? page.waitForEvent('load') : Promise.resolve(), page.click('button')])
  }
  await waitForWidget(page, (status) => status.connected)
  return page
}

export interface WidgetStatus {
  connected: boolean
  phase: 'new' | 'connecting' | 'connected' | 'disconnected'
  /** Why it last dropped: `expired`, `rejected`, `connection_lost`. */
  disconnectReason: string
  sub: string
  /** The `jti` of the token it holds: tells one token from another. */
  tokenId: string
  /** The `exp` of the token it holds, epoch ms. */
  expiresAt: number
  secondsLeft: number
  tokensAccepted: number
  tokensRejected: number
  disconnects: number
  inits: number
  /** `updateConfiguration` calls it dropped while disconnected. */
  ignoredUpdates: number
}

export const widgetStatus = (page: Page) => page.evaluate(() => (window as unknown as { gen: { status(): WidgetStatus } }).gen.status())

export async function waitForWidget(page: Page, condition: (status: WidgetStatus) => boolean, timeoutMs = 20_000): Promise<WidgetStatus> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await widgetStatus(page)
    if (condition(status)) return status
    if (Date.now() > deadline) throw new Error(`widget never reached the expected state: ${JSON.stringify(status)}`)
    await page.waitForTimeout(100)
  }
}

/** The SDK's events as the page's event log shows them, oldest first. */
export const pageEvents = (page: Page): Promise<PageEvent[]> =>
  page.$$eval('#log li', (items) =>
    items.map((item) => ({ type: item.className, ...(item as HTMLElement).dataset }) as unknown as PageEvent).reverse(),
  )

export async function waitForEvents(page: Page, condition: (events: PageEvent[]) => boolean, timeoutMs = 20_000): Promise<PageEvent[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const events = await pageEvents(page)
    if (condition(events)) return events
    if (Date.now() > deadline) throw new Error(`events never matched: ${JSON.stringify(events)}`)
    await page.waitForTimeout(100)
  }
}

export const tokens = (events: PageEvent[]) => events.filter((event) => event.type === 'token')

/** The SDK's own events, without the changes of state between them. */
export const withoutStates = (events: PageEvent[]) => events.filter((event) => event.type !== 'state')

/** The states the page saw the manager enter, in order. */
export const states = (events: PageEvent[]) => events.filter((event) => event.type === 'state').map((event) => event.state)

type DemoWidget = { simulateDisconnect(times?: number): void; simulateExpiry(): void }

/** Drops the example widget's session, as a flaky connection does. */
export const dropWidget = (page: Page, times = 1) =>
  page.evaluate((times) => (window as unknown as { gen: DemoWidget }).gen.simulateDisconnect(times), times)
