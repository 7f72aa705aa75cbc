import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface RealBrowser {
  browser: Browser
  /** The default context: pages here are hidden, frozen and throttled as in a real browser. */
  context: BrowserContext
  newPage(): Promise<Page>
  /** Sets a page's lifecycle state through the DevTools protocol: `frozen` stops its timers. */
  setLifecycle(page: Page, state: 'frozen' | 'active'): Promise<void>
  /** Minimises or restores the window, hiding or showing every page in it. */
  setWindow(page: Page, state: 'minimized' | 'normal'): Promise<void>
  close(): Promise<void>
}

/**
 * Starts Chromium itself and attaches over CDP. Playwright's own launch emulates focus for every
 * page, so pages never become hidden; a self-started browser hides, throttles and freezes them.
 */
export async function launchChromium(): Promise<RealBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'widget-token-chromium-'))
  const process_ = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      'about:blank',
    ],
    // Its own process group, so closing takes the renderer and helper processes with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  )
  const endpoint = await devToolsEndpoint(process_)
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true })
  const context = browser.contexts()[0]!

  return {
    browser,
    context,
    newPage: () => context.newPage(),
    async setLifecycle(page, state) {
      const session = await context.newCDPSession(page)
      await session.send('Page.setWebLifecycleState', { state })
      await session.detach()
    },
    async setWindow(page, state) {
      const session = await context.newCDPSession(page)
      const { windowId } = (await session.send('Browser.getWindowForTarget')) as { windowId: number }
      await session.send('Browser.setWindowBounds', { windowId, bounds: { windowState: state } })
      await session.detach()
    },
    async close() {
      await browser.close().catch(() => {})
      const exited = new Promise((resolve) => process_.once('exit', resolve))
      if (process_.exitCode === null) process.kill(-process_.pid!, 'SIGKILL')
      await exited
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
    },
  }
}

function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${output}`)), 20_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!.replace(/^ws:\/\/([^/]+)\/.*$/, 'http://$1'))
      }
    })
    child.on('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${output}`)))
  })
}
